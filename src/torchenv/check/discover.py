"""Which files ``check`` reads: by name, from the paths given or from the repository."""

from __future__ import annotations

import os
import re
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


def _git_files(root: str) -> Optional[list[str]]:
    import subprocess  # only when discovering: pre-commit passes file names

    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [os.path.join(root, n) if root != "." else n for n in names if n]


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
