"""``requirements.txt`` for pip (and ``uv pip``): one index, hashes, markers."""

from __future__ import annotations

from torchenv.export._text import header, pip_lines
from torchenv.export.model import ExportPlan

__all__ = ["render_requirements"]


def render_requirements(plan: ExportPlan) -> str:
    """Hash-checked when locked (``pip install --require-hashes -r``)."""
    out = [
        header(
            plan, ["pip install -r this-file" + (" (hash-checking mode)" if plan.locked else "")]
        )
        + "\n"
    ]
    for requirement, hashes in pip_lines(plan, "a requirements file"):
        if hashes:
            out.append(
                requirement
                + " \\\n"
                + " \\\n".join(f"    --hash=sha256:{h}" for h in hashes)
                + "\n"
            )
        else:
            out.append(requirement + "\n")
    return "".join(out)
