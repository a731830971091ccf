"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

__all__ = ["write_bytes_atomic", "write_text_atomic"]


def write_bytes_atomic(path: Union[str, os.PathLike[str]], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    ``os.replace`` is atomic on POSIX and Windows when source and destination share a
    file system, which a sibling temporary file guarantees.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_text_atomic(path: Union[str, os.PathLike[str]], text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line endings, atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
