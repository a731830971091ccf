"""PDM: the PyTorch index takes only the torch family, the default index everything else.

PDM's ``include_packages``/``exclude_packages`` are per source, not per platform, so a
PDM export holds one variant.
"""

from __future__ import annotations

from torchenv.errors import UsageError
from torchenv.export._text import header, toml_array, toml_str
from torchenv.export.model import ExportPlan

__all__ = ["render_pdm"]


def render_pdm(plan: ExportPlan) -> str:
    if len(plan.routes) != 1:
        raise UsageError(
            "PDM sources cannot be chosen per platform: export one variant of "
            + ", ".join(plan.variants)
            + " (--variant), or use --format uv"
        )
    route = plan.routes[0]
    family = sorted({p.name for p in plan.pytorch_packages})
    notes = [
        "merge into pyproject.toml, then: pdm lock && pdm install",
        "[project] dependencies should list:",
    ]
    notes.extend(
        f"  {toml_str(p.name + p.pin + (' ; ' + p.marker if p.marker else ''))},"
        for p in plan.packages
    )
    out = [header(plan, notes)]
    out.append(
        f'\n[[tool.pdm.source]]\nname = "pypi"\nurl = {toml_str(plan.default_index_url)}\n'
        f"verify_ssl = true\nexclude_packages = {toml_array(family)}\n"
    )
    out.append(
        f"\n[[tool.pdm.source]]\nname = {toml_str('pytorch-' + route.variant)}\n"
        f"url = {toml_str(route.index_url)}\nverify_ssl = true\n"
        f"include_packages = {toml_array(family)}\n"
    )
    return "".join(out)
