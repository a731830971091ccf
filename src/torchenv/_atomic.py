"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

__all__ = ["write_bytes_atomic", "write_text_atomic"]


def write_bytes_atomic(
    path: Union[str, os.PathLike[str]], data: bytes, *, durable: bool = True
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    ``os.replace`` is atomic on POSIX and Windows when source and destination share a
    file system, which a sibling temporary file guarantees. The file gets the mode a
    plain ``open()`` would give it (0666 less the umask, or the replaced file's mode):
    ``tempfile.mkstemp``'s 0600 would make committed locks and exports private.
    ``durable=False`` skips the fsync, for copies (caches) that may be lost in a crash.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _create_sibling(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp_name, os.stat(target).st_mode & 0o7777)  # keep an existing mode
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _create_sibling(target: Path) -> tuple[int, str]:
    """A new, exclusively created file next to ``target`` (mode 0666 less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = str(target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"))
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue


def write_text_atomic(path: Union[str, os.PathLike[str]], text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line endings, atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
