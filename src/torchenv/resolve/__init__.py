"""Dependency resolution for a *target* (not the running interpreter) with resolvelib."""

from __future__ import annotations

__all__: list[str] = []
