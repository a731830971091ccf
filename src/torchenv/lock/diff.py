"""What changed between two lock documents, package by package (for ``--dry-run``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

__all__ = ["diff_documents"]


def _entries(document: Optional[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    if document is None:
        return {}
    return {(p["name"], p.get("marker", "")): p["version"] for p in document.get("packages", [])}


def diff_documents(
    old: Optional[Mapping[str, Any]], new: Mapping[str, Any]
) -> dict[str, list[str]]:
    """``{"added": [...], "removed": [...], "changed": [...]}``, each sorted."""
    before, after = _entries(old), _entries(new)

    def label(key: tuple[str, str]) -> str:
        return f"{key[0]}" + (f" ; {key[1]}" if key[1] else "")

    return {
        "added": sorted(f"{label(k)} {after[k]}" for k in after.keys() - before.keys()),
        "removed": sorted(f"{label(k)} {before[k]}" for k in before.keys() - after.keys()),
        "changed": sorted(
            f"{label(k)} {before[k]} -> {after[k]}"
            for k in after.keys() & before.keys()
            if before[k] != after[k]
        ),
    }
