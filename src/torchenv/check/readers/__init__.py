"""One reader per file kind: pure functions from text to a :class:`Document`."""

from __future__ import annotations

__all__: list[str] = []
