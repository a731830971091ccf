"""TE014: a pylock file whose inputs changed since it was written."""

from __future__ import annotations

from collections.abc import Iterator

from torchenv.check.diagnostics import Diagnostic
from torchenv.check.model import Document

__all__ = ["stale_lock"]


def stale_lock(document: Document) -> Iterator[Diagnostic]:
    del document
    return iter(())
