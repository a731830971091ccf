"""The one exception root and the exit codes every command shares."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "IndexError_",
    "InputError",
    "ResolutionError",
    "TorchenvError",
    "UsageError",
]

EXIT_OK = 0
"""Success."""
EXIT_PROBLEMS = 1
"""The command ran and found problems (check findings, a stale lock, a pending change)."""
EXIT_USAGE = 2
"""Usage error, unreadable input, or a request that cannot be satisfied."""


class TorchenvError(Exception):
    """Root of every error torchenv raises on purpose.

    The CLI prints ``str(error)`` as one line on stderr and exits with
    ``exit_code``; anything else escaping is a bug.
    """

    exit_code: int = EXIT_USAGE


class UsageError(TorchenvError):
    """The command line itself is wrong (bad flag value, bad target string)."""


class InputError(TorchenvError):
    """A file the user gave us cannot be read or parsed.

    The message always names the file, and the line when one is known, as
    ``path:line: message`` so editors and pre-commit can jump to it.
    """

    def __init__(self, path: str, message: str, line: Optional[int] = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ResolutionError(TorchenvError):
    """No set of wheels satisfies the request for a target."""


class IndexError_(TorchenvError):
    """A package index could not be reached or served something unusable.

    Named with a trailing underscore so it never shadows the builtin ``IndexError``.
    """
