"""uv project configuration: explicit PyTorch indexes and per-package sources.

Each variant becomes an ``explicit = true`` index, so uv takes only the packages named
in ``[tool.uv.sources]`` from it and everything else from the default index. Variants
on different platforms are told apart by markers; variants on the same platform
(cpu and cu128 on Linux) become conflicting extras.
"""

from __future__ import annotations

from torchenv._record import Record
from torchenv.export._text import header, toml_array, toml_str
from torchenv.export.model import ExportPlan

__all__ = ["UvTables", "index_name", "render_uv", "uv_tables"]


class UvTables(Record):
    """The TOML text of each piece, keyed so :mod:`splice` can replace them one by one."""

    indexes: tuple[tuple[str, str], ...]  # (name, url)
    sources: dict[str, str]  # package -> value text
    extras: dict[str, str]  # extra -> array text ({} in marker mode)
    conflicts: str  # value text of tool.uv.conflicts ("" in marker mode)
    dependencies: tuple[str, ...]  # what [project] dependencies should hold (marker mode)


def index_name(variant: str) -> str:
    return f"pytorch-{variant}"


def _inline(pairs: list[tuple[str, str]]) -> str:
    return "{ " + ", ".join(f"{k} = {toml_str(v)}" for k, v in pairs) + " }"


def uv_tables(plan: ExportPlan) -> UvTables:
    extras_mode = plan.routes_overlap
    indexes = tuple((index_name(r.variant), r.index_url) for r in plan.routes)
    names = sorted({p.name for p in plan.pytorch_packages})
    sources: dict[str, str] = {}
    for name in names:
        entries = []
        for route in plan.routes:
            if not any(p.name == name and p.variant == route.variant for p in plan.packages):
                continue
            pairs = [("index", index_name(route.variant))]
            if extras_mode:
                pairs.append(("extra", route.variant))
            elif route.marker:
                pairs.append(("marker", route.marker))
            entries.append(_inline(pairs))
        sources[name] = (
            entries[0] if len(entries) == 1 else "[\n    " + ",\n    ".join(entries) + ",\n]"
        )
    requirements = [_requirement_text(p.name, p.pin, p.marker) for p in plan.default_packages]
    if extras_mode:
        extras = {
            route.variant: toml_array(
                [
                    _requirement_text(p.name, p.pin, p.marker)
                    for p in plan.pytorch_packages
                    if p.variant == route.variant
                ]
            )
            for route in plan.routes
        }
        conflicts = (
            "[\n    ["
            + ", ".join(f"{{ extra = {toml_str(r.variant)} }}" for r in plan.routes)
            + "],\n]"
        )
        return UvTables(indexes, sources, extras, conflicts, tuple(requirements))
    pinned = [_requirement_text(p.name, p.pin, p.marker) for p in plan.pytorch_packages]
    return UvTables(indexes, sources, {}, "", tuple(pinned + requirements))


def _requirement_text(name: str, pin: str, marker: object) -> str:
    return f"{name}{pin}" + (f" ; {marker}" if marker else "")


def render_uv(plan: ExportPlan) -> str:
    """The tables to put in pyproject.toml (``--write`` splices them in place)."""
    tables = uv_tables(plan)
    notes = ["merge into pyproject.toml, or run with --write to do it in place"]
    if tables.dependencies:
        notes.append("[project] dependencies should list:")
        notes.extend(f"  {toml_str(d)}," for d in tables.dependencies)
    if tables.extras:
        notes.append("install one variant: uv sync --extra " + " / --extra ".join(tables.extras))
    out = [header(plan, notes)]
    if tables.extras:
        out.append("\n[project.optional-dependencies]\n")
        out.extend(f"{extra} = {value}\n" for extra, value in tables.extras.items())
        out.append(f"\n[tool.uv]\nconflicts = {tables.conflicts}\n")
    for name, url in tables.indexes:
        out.append(f"\n[[tool.uv.index]]\nname = {toml_str(name)}\nurl = {toml_str(url)}\n")
        out.append("explicit = true\n")
    out.append("\n[tool.uv.sources]\n")
    out.extend(f"{name} = {value}\n" for name, value in tables.sources.items())
    return "".join(out)
