"""Which files ``check`` reads: by name, from the paths given or from the repository."""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["FILE_PATTERN", "Discovery", "discover", "kind_for"]

# Also the `files:` pattern of the pre-commit hook (kept in sync by a test).
FILE_PATTERN = (
    r"(^|/)(requirements[^/]*\.(txt|in)|requirements/[^/]+\.(txt|in)|[^/]*requirements\.(txt|in)|constraints[^/]*\.(txt|in)"
    r"|pyproject\.toml|environment[^/]*\.ya?ml|pylock(\.[^/]+)?\.toml|pixi\.toml"
    r"|Dockerfile[^/]*|[^/]*\.Dockerfile|Containerfile)$"
)
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".pixi"}


def kind_for(path: str) -> Optional[str]:
    """The reader for a file name, or None when ``check`` does not know the kind."""
    name = os.path.basename(path)
    kind = _kind_of_name(name)
    if kind is not None:
        return kind
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent == "requirements" and name.endswith((".txt", ".in")):
        return "requirements"
    return None


def _kind_of_name(name: str) -> Optional[str]:
    # String tests rather than regexes: this runs for every file in the repository,
    # and compiling six patterns cost more than the tests themselves.
    if name == "pyproject.toml":
        return "pyproject"
    if name == "pixi.toml":
        return "pixi"
    if name.startswith("pylock.") and name.endswith(".toml"):
        middle = name[len("pylock") : -len(".toml")]  # "" or ".<name>"
        if not middle or len(middle) >= 2:
            return "pylock"
    if name.startswith("environment") and name.endswith((".yml", ".yaml")):
        return "conda"
    lower = name.lower()
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile") or lower == "containerfile":
        return "dockerfile"
    stem, dot, extension = name.rpartition(".")
    is_requirements_name = stem.startswith(("requirements", "constraints")) or stem.endswith(
        "requirements"
    )
    if dot and extension in ("txt", "in") and is_requirements_name:
        return "requirements"
    return None


_GIT_LIST = ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
_GIT_TIMEOUT = 10.0


def _git_files(root: str) -> Optional[list[str]]:
    return _GitListing(root).files()


def _git_output(root: str) -> Optional[bytes]:
    return _GitListing(root).output()


class _GitListing:
    """``git ls-files`` started now and read later, or None when git is missing, fails or
    hangs.

    Started before ``check`` imports its rules so that git runs on another core while
    Python imports (~2 ms of every run in a repository). ``posix_spawnp`` and a pipe
    instead of ``subprocess``: importing subprocess (with signal, threading and
    selectors) costs ~3 ms more.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.pid: Optional[int] = None
        self.read_end = -1
        if not hasattr(os, "posix_spawnp"):
            return
        argv = [_GIT_LIST[0], "-C", root, *_GIT_LIST[1:]]
        read_end, write_end = os.pipe()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            self.pid = os.posix_spawnp(
                "git",
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, write_end, 1),
                    (os.POSIX_SPAWN_DUP2, devnull, 2),
                    (os.POSIX_SPAWN_CLOSE, read_end),
                ],
            )
            self.read_end = read_end
        except OSError:
            os.close(read_end)
        finally:
            os.close(write_end)
            os.close(devnull)

    def files(self) -> Optional[list[str]]:
        output = self.output()
        if output is None:
            return None
        names = output.decode("utf-8", "surrogateescape").split("\0")
        root = self.root
        return [os.path.join(root, n) if root != "." else n for n in names if n]

    def output(self) -> Optional[bytes]:
        if not hasattr(os, "posix_spawnp"):
            return _git_output_portable(self.root)
        if self.pid is None:
            return None
        import select

        pid, read_end = self.pid, self.read_end
        self.pid = None
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


class Discovery:
    """Finding the files under ``root`` (see :func:`discover`), started but not awaited."""

    def __init__(self, root: str = ".") -> None:
        self.root = root
        self._listing = _GitListing(root)

    def files(self) -> list[str]:
        files = self._listing.files()
        if files is None:
            files = _walk(self.root)
        return sorted(f for f in files if kind_for(f) is not None and os.path.isfile(f))


def discover(root: str = ".") -> list[str]:
    """Files of a known kind under ``root``: tracked and untracked-but-not-ignored ones in
    a git work tree, else a walk that skips virtualenvs, node_modules and .git."""
    return Discovery(root).files()
