"""``environment.yml`` for conda/mamba: Python from conda-forge, torch by pip or conda-forge.

The pip flavour passes the same routed lines as ``requirements.txt`` to pip (conda
writes the ``pip:`` list to a requirements file). The conda-forge flavour installs
``pytorch`` itself from conda-forge (the ``pytorch`` channel stopped after 2.5) and
pins the CUDA level with ``cuda-version``.
"""

from __future__ import annotations

from torchenv.errors import UsageError
from torchenv.export._text import header, pip_lines, yaml_str
from torchenv.export.model import ExportPlan

__all__ = ["render_conda"]

# conda-forge publishes CUDA builds of pytorch for these subdirs only (facts §8).
_CONDA_FORGE_CUDA_PLATFORMS = ("linux-x86_64", "linux-aarch64", "windows-x86_64")


def _cuda_level(variant: str) -> tuple[int, int]:
    digits = variant[2:]
    return int(digits[:-1]), int(digits[-1])


def _override_line(plan: ExportPlan) -> list[str]:
    cuda = [v for v in plan.variants if v.startswith("cu")]
    if not cuda:
        return ["conda env create -f environment.yml"]
    major, minor = _cuda_level(cuda[0])
    return [
        "conda env create -f environment.yml",
        "on a machine without a GPU: "
        f"CONDA_OVERRIDE_CUDA={major}.{minor} conda env create -f environment.yml",
    ]


def render_conda(plan: ExportPlan, conda_forge: bool = False) -> str:
    if conda_forge:
        return _render_conda_forge(plan)
    lines = [header(plan, _override_line(plan))]
    lines.append(f"name: {yaml_str(plan.name)}\nchannels:\n  - conda-forge\ndependencies:\n")
    lines.append(f"  - python={plan.python}\n  - pip\n  - pip:\n")
    for requirement, hashes in pip_lines(plan, "an environment.yml pip section"):
        text = requirement + "".join(f" --hash=sha256:{h}" for h in hashes)
        lines.append(f"      - {yaml_str(text)}\n")
    return "".join(lines)


def _render_conda_forge(plan: ExportPlan) -> str:
    if len(plan.routes) != 1:
        raise UsageError(
            "environment.yml cannot select per platform: export one variant at a time "
            f"(this plan has {', '.join(plan.variants)})"
        )
    route = plan.routes[0]
    deps = [f"python={plan.python}"]
    versions = {p.name: p.release for p in plan.pytorch_packages if p.version}
    torch = versions.get("torch")
    if not torch:
        raise UsageError("--conda-forge needs a torch pin")
    if route.variant.startswith("cu"):
        platforms = {t.rsplit("-", 1)[0] if t.count("-") >= 2 else t for t in route.targets}
        unsupported = sorted(p for p in platforms if p not in _CONDA_FORGE_CUDA_PLATFORMS)
        if unsupported:
            raise UsageError(
                f"conda-forge has no CUDA pytorch for {', '.join(unsupported)}: "
                "drop --conda-forge to install the wheels with pip"
            )
        major, minor = _cuda_level(route.variant)
        # CUDA minor-version compatibility: any 12.x >= the selected level runs on a driver
        # that runs the selected wheel; conda-forge ships 12.8/12.9, not every minor.
        deps += [f"pytorch={torch}=cuda*", f"cuda-version>={major}.{minor},<{major + 1}"]
    elif route.variant == "cpu":
        deps.append(f"pytorch={torch}=cpu*")
    else:
        raise UsageError(
            f"conda-forge has no {route.variant} build of pytorch: drop --conda-forge "
            "to install the PyTorch wheels with pip"
        )
    for name in ("torchvision", "torchaudio"):
        if versions.get(name):
            deps.append(f"{name}={versions[name]}")
    others = [p for p in plan.default_packages]
    lines = [
        header(
            plan,
            [
                "conda-forge flavour: pytorch and its CUDA libraries from conda-forge",
                *_override_line(plan),
            ],
        )
    ]
    lines.append(f"name: {yaml_str(plan.name)}\nchannels:\n  - conda-forge\ndependencies:\n")
    lines.extend(f"  - {yaml_str(d)}\n" for d in deps)
    if others:
        lines.append("  - pip\n  - pip:\n")
        lines.append(f"      - {yaml_str('--index-url ' + plan.default_index_url)}\n")
        for package in others:
            text = f"{package.name}{package.pin}" + (
                f" ; {package.marker}" if package.marker else ""
            )
            text += "".join(f" --hash=sha256:{h}" for h in package.hashes)
            lines.append(f"      - {yaml_str(text)}\n")
    return "".join(lines)
