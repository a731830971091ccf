"""Export a lock or a selection as environment.yml, requirements, uv, pixi, Poetry or PDM.

Every format is a pure function of an :class:`~torchenv.export.model.ExportPlan`;
the routing rule is the same everywhere: the torch family only from the PyTorch index
of its variant, everything else only from the default index, never merged.
"""

from __future__ import annotations

from torchenv.export.model import ExportPlan, PinnedPackage, Route

__all__ = ["FORMATS", "ExportPlan", "PinnedPackage", "Route", "render"]

FORMATS = ("conda", "requirements", "uv", "pixi", "poetry", "pdm")


def render(plan: ExportPlan, fmt: str, conda_forge: bool = False) -> str:
    """The text of ``plan`` in format ``fmt`` (one of :data:`FORMATS`)."""
    from torchenv.errors import UsageError

    if fmt == "conda":
        from torchenv.export.conda import render_conda

        return render_conda(plan, conda_forge)
    if conda_forge:
        raise UsageError("--conda-forge applies to --format conda only")
    if fmt == "requirements":
        from torchenv.export.requirements import render_requirements

        return render_requirements(plan)
    if fmt == "uv":
        from torchenv.export.uv import render_uv

        return render_uv(plan)
    if fmt == "pixi":
        from torchenv.export.pixi import render_pixi

        return render_pixi(plan)
    if fmt == "poetry":
        from torchenv.export.poetry import render_poetry

        return render_poetry(plan)
    if fmt == "pdm":
        from torchenv.export.pdm import render_pdm

        return render_pdm(plan)
    raise UsageError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
