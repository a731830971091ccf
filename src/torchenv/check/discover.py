"""Which files ``check`` reads: by name, from the paths given or from the repository."""

from __future__ import annotations

import os
import re
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["FILE_PATTERN", "discover", "kind_for"]

# Also the `files:` pattern of the pre-commit hook (kept in sync by a test).
FILE_PATTERN = (
    r"(^|/)(requirements[^/]*\.(txt|in)|requirements/[^/]+\.(txt|in)|[^/]*requirements\.(txt|in)|constraints[^/]*\.(txt|in)"
    r"|pyproject\.toml|environment[^/]*\.ya?ml|pylock(\.[^/]+)?\.toml|pixi\.toml"
    r"|Dockerfile[^/]*|[^/]*\.Dockerfile|Containerfile)$"
)
_KINDS = (
    (re.compile(r"^pyproject\.toml$"), "pyproject"),
    (re.compile(r"^pixi\.toml$"), "pixi"),
    (re.compile(r"^pylock(\.[^/]+)?\.toml$"), "pylock"),
    (re.compile(r"^environment[^/]*\.ya?ml$"), "conda"),
    (re.compile(r"^(Dockerfile.*|.*\.Dockerfile|Containerfile)$", re.IGNORECASE), "dockerfile"),
    (re.compile(r"^(requirements.*|.*requirements|constraints.*)\.(txt|in)$"), "requirements"),
)
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".pixi"}


def kind_for(path: str) -> Optional[str]:
    """The reader for a file name, or None when ``check`` does not know the kind."""
    name = os.path.basename(path)
    for pattern, kind in _KINDS:
        if pattern.match(name):
            return kind
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent == "requirements" and name.endswith((".txt", ".in")):
        return "requirements"
    return None


_GIT_LIST = ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
_GIT_TIMEOUT = 10.0


def _git_files(root: str) -> Optional[list[str]]:
    output = _git_output(root) if hasattr(os, "posix_spawnp") else _git_output_portable(root)
    if output is None:
        return None
    names = output.decode("utf-8", "surrogateescape").split("\0")
    return [os.path.join(root, n) if root != "." else n for n in names if n]


def _git_output(root: str) -> Optional[bytes]:
    """``git ls-files`` output, or None when git is missing, fails or hangs.

    ``posix_spawnp`` and a pipe instead of ``subprocess``: importing subprocess (with
    signal, threading and selectors) costs ~3 ms of every ``check`` run in a repository.
    """
    import select

    argv = [_GIT_LIST[0], "-C", root, *_GIT_LIST[1:]]
    read_end, write_end = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        pid = os.posix_spawnp(
            "git",
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, write_end, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
                (os.POSIX_SPAWN_CLOSE, read_end),
            ],
        )
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)
        os.close(devnull)
    chunks: list[bytes] = []
    deadline = time.monotonic() + _GIT_TIMEOUT
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
                os.kill(pid, 9)  # SIGKILL, as subprocess.run does on timeout
                os.waitpid(pid, 0)
                return None
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return b"".join(chunks)


def _git_output_portable(root: str) -> Optional[bytes]:
    import subprocess

    try:
        result = subprocess.run(
            list(_GIT_LIST),
            cwd=root,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _walk(root: str) -> list[str]:
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            found.append(os.path.join(directory, name) if directory != "." else name)
    return found


def discover(root: str = ".") -> list[str]:
    """Files of a known kind under ``root``: tracked and untracked-but-not-ignored ones in
    a git work tree, else a walk that skips virtualenvs, node_modules and .git."""
    files = _git_files(root)
    if files is None:
        files = _walk(root)
    return sorted(f for f in files if kind_for(f) is not None and os.path.isfile(f))
