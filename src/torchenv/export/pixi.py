"""``pixi.toml``: Python from conda-forge, the torch family as PyPI dependencies per index.

Every variant is a pixi feature limited to the conda platforms its targets run on, with
its dependencies under those platforms; CUDA features declare
``system-requirements.cuda``. Each variant gets an environment of its own, because pixi
checks system requirements on every platform of an environment (a CUDA requirement in
an environment that also serves macOS would fail there) and an environment's platforms
are the intersection of its features'. With one variant that environment is the default.
"""

from __future__ import annotations

import re

from torchenv.export._text import header, toml_array, toml_str
from torchenv.export.model import ExportPlan, Route
from torchenv.targets import KNOWN_PLATFORMS, marker_environment, parse_target

__all__ = ["conda_platform", "render_pixi", "route_platforms"]

_CONDA_SUBDIRS = {
    "linux-x86_64": "linux-64",
    "linux-aarch64": "linux-aarch64",
    "macos-arm64": "osx-arm64",
    "macos-x86_64": "osx-64",
    "windows-x86_64": "win-64",
    "windows-arm64": "win-arm64",
}


def conda_platform(platform: str) -> str:
    return _CONDA_SUBDIRS[platform]


def route_platforms(route: Route) -> list[str]:
    """torchenv platforms of a route: named directly, or those its lock markers accept."""
    if route.platforms and all(p in KNOWN_PLATFORMS for p in route.platforms):
        return sorted(set(route.platforms))
    from packaging.markers import Marker

    found = []
    for platform in KNOWN_PLATFORMS:
        environment = marker_environment(parse_target(platform), "3.11")
        if any(Marker(m).evaluate(environment) for m in route.platforms):
            found.append(platform)
    return found


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else toml_str(name)


def render_pixi(plan: ExportPlan) -> str:
    by_route = {r.variant: route_platforms(r) for r in plan.routes}
    subdirs = sorted({conda_platform(p) for ps in by_route.values() for p in ps})
    how = (
        ["pixi run python -c 'import torch'"]
        if len(plan.routes) == 1
        else [f"pixi run -e {v} python -c 'import torch'" for v in plan.variants]
    )
    out = [header(plan, how)]
    out.append(
        f'\n[workspace]\nname = {toml_str(plan.name)}\nchannels = ["conda-forge"]\n'
        f"platforms = {toml_array(subdirs)}\n"
    )
    out.append(f"\n[dependencies]\npython = {toml_str(plan.python + '.*')}\n")
    shared = [p for p in plan.default_packages if p.variant is None]
    if shared:
        out.append("\n[pypi-dependencies]\n")
        out.extend(f"{p.name} = {toml_str(p.pin or '*')}\n" for p in shared)
    for route in plan.routes:
        feature = f"feature.{_key(route.variant)}"
        subdirs_of_route = [conda_platform(p) for p in by_route[route.variant]]
        out.append(f"\n[{feature}]\nplatforms = {toml_array(subdirs_of_route)}\n")
        if route.variant.startswith("cu"):
            major = route.variant[2:-1]
            out.append(f"\n[{feature}.system-requirements]\ncuda = {toml_str(major)}\n")
        for platform in by_route[route.variant]:
            out.append(f"\n[{feature}.target.{conda_platform(platform)}.pypi-dependencies]\n")
            for package in plan.packages:
                if package.variant != route.variant:
                    continue
                if package.pytorch:
                    value = (
                        f"{{ version = {toml_str(package.pin)}, "
                        f"index = {toml_str(route.index_url)} }}"
                    )
                else:
                    value = toml_str(package.pin or "*")
                out.append(f"{package.name} = {value}\n")
    out.append("\n[environments]\n")
    if len(plan.routes) == 1:
        out.append(f"default = {toml_array(list(plan.variants))}\n")
    else:
        out.extend(f"{_key(v)} = {toml_array([v])}\n" for v in plan.variants)
    return "".join(out)
