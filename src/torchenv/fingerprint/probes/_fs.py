"""Read files below a root directory (a fake sysroot in tests), never raising."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["exists", "list_dir", "read_text", "under"]


def under(root: str, path: str) -> str:
    """``path`` (absolute, POSIX style) placed below ``root``."""
    if root in ("", "/"):
        return path
    return os.path.join(root, path.lstrip("/"))


def read_text(root: str, path: str, limit: int = 1 << 20) -> Optional[str]:
    """The text of ``root``/``path`` or None when it cannot be read.

    NUL bytes (device-tree strings end with one) are dropped.
    """
    try:
        with open(under(root, path), "rb") as handle:
            data = handle.read(limit)
    except OSError:
        return None
    return data.replace(b"\x00", b"").decode("utf-8", "replace")


def exists(root: str, path: str) -> bool:
    return os.path.exists(under(root, path))


def list_dir(root: str, path: str) -> list[str]:
    """Sorted entries of a directory, empty when it is missing or unreadable."""
    try:
        return sorted(os.listdir(under(root, path)))
    except OSError:
        return []
