"""Poetry: explicit-priority sources for the PyTorch indexes, torch pinned per source."""

from __future__ import annotations

from torchenv.errors import UsageError
from torchenv.export._text import header, toml_str
from torchenv.export.model import ExportPlan

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
    names = list(dict.fromkeys(p.name for p in plan.packages))
    for name in names:
        entries = []
        for package in plan.packages:
            if package.name != name:
                continue
            fields = [f"version = {toml_str(package.pin or '*')}"]
            if package.pytorch:
                fields.append(f"source = {toml_str(f'pytorch-{package.variant}')}")
            if package.marker:
                fields.append(f"markers = {toml_str(package.marker)}")
            entries.append("{ " + ", ".join(fields) + " }")
        if len(entries) > 1:
            out.append(f"{name} = [\n    " + ",\n    ".join(entries) + ",\n]\n")
        else:
            out.append(f"{name} = {entries[0]}\n")
    return "".join(out)
