"""PEP 751 lock files for several targets: project input, pylock model, freshness."""

from __future__ import annotations

__all__: list[str] = []
