"""Poetry: explicit-priority sources for the PyTorch indexes, torch pinned per source."""

from __future__ import annotations

from torchenv.errors import UsageError
from torchenv.export.model import ExportPlan
from torchenv.export.render import header, toml_str

__all__ = ["render_poetry"]


def render_poetry(plan: ExportPlan) -> str:
    """Variants on different platforms become marker-separated constraints of one package."""
    if plan.routes_overlap:
        raise UsageError(
            "Poetry cannot pick between variants for the same platform: export one of "
            + ", ".join(plan.variants)
            + " (--variant), or use --format uv"
        )
    out = [header(plan, ["merge into pyproject.toml, then: poetry lock && poetry install"])]
    for route in plan.routes:
        out.append(
            f"\n[[tool.poetry.source]]\nname = {toml_str('pytorch-' + route.variant)}\n"
            f'url = {toml_str(route.index_url)}\npriority = "explicit"\n'
        )
    out.append(f"\n[tool.poetry.dependencies]\npython = {toml_str('>=' + plan.python)}\n")
    for name in sorted({p.name for p in plan.pytorch_packages}):
        entries = []
        for package in plan.pytorch_packages:
            if package.name != name:
                continue
            source = toml_str(f"pytorch-{package.variant}")
            text = f"{{ version = {toml_str(package.pin)}, source = {source}"
            if package.marker:
                text += f", markers = {toml_str(package.marker)}"
            entries.append(text + " }")
        value = entries[0] if len(entries) == 1 else "[\n    " + ",\n    ".join(entries) + ",\n]"
        out.append(f"{name} = {value}\n")
    for package in plan.default_packages:
        if package.marker:
            out.append(
                f"{package.name} = {{ version = {toml_str(package.pin or '*')}, "
                f"markers = {toml_str(package.marker)} }}\n"
            )
        else:
            out.append(f"{package.name} = {toml_str(package.pin or '*')}\n")
    return "".join(out)
