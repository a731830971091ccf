"""Run a command with a timeout and never raise: the shared runner of every probe.

A probe asks "what does ``nvidia-smi`` say?" and gets a :class:`CommandResult` that is
``ok``, ``missing`` (not on PATH), ``timeout`` (killed, with its whole process group, so
a hanging tool costs at most ``timeout`` seconds) or ``error`` (could not start).
"""

from __future__ import annotations

import contextlib
import os
import sys

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional

__all__ = ["CommandResult", "find_executable", "run_command"]

_WINDOWS = sys.platform == "win32"


class CommandResult(Record):
    """What running one command produced; ``status`` is ok, missing, timeout or error."""

    argv: tuple[str, ...]
    status: str
    returncode: Optional[int] = None
    stdout: str = ""
    stderr: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Ran and exited 0."""
        return self.status == "ok" and self.returncode == 0

    @property
    def command(self) -> str:
        return " ".join(self.argv)

    def describe(self) -> str:
        """One short phrase for notes: why this command gave nothing usable."""
        if self.status == "missing":
            return f"{self.argv[0]} not found"
        if self.status == "timeout":
            return f"'{self.command}' did not answer within {self.detail}"
        if self.status == "error":
            return f"'{self.command}' could not run: {self.detail}"
        first = (self.stderr.strip() or self.stdout.strip()).splitlines()
        why = first[0] if first else "no output"
        return f"'{self.command}' exited {self.returncode}: {why}"


def find_executable(
    name: str, path: Optional[str], extra_dirs: Sequence[str] = ()
) -> Optional[str]:
    """The first executable called ``name`` on ``path`` (then ``extra_dirs``), or None.

    Written out instead of ``shutil.which`` to keep ``torchenv detect`` import-light.
    """
    if os.path.isabs(name):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    dirs = [d for d in (path or "").split(os.pathsep) if d] + list(extra_dirs)
    names = [name]
    if _WINDOWS and not name.lower().endswith(".exe"):
        names.insert(0, name + ".exe")
    for directory in dirs:
        for candidate_name in names:
            candidate = os.path.join(directory, candidate_name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


def run_command(
    argv: Sequence[str],
    *,
    path: Optional[str],
    timeout: float,
    extra_dirs: Sequence[str] = (),
) -> CommandResult:
    """Run ``argv`` (``argv[0]`` looked up on ``path``) and capture its text output.

    Never raises. On timeout the whole process group is killed, so a shell script whose
    child hangs cannot keep the pipes (and us) open.
    """
    args = tuple(argv)
    executable = find_executable(args[0], path, extra_dirs)
    if executable is None:
        return CommandResult(args, "missing")
    import subprocess

    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    # Tools print numbers in the C locale; a German locale would turn "12.4" into "12,4".
    env["LC_ALL"] = "C"
    try:
        process = subprocess.Popen(
            (executable, *args[1:]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=not _WINDOWS,
        )
    except (OSError, ValueError) as error:
        return CommandResult(args, "error", detail=str(error))
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        with contextlib.suppress(Exception):
            process.communicate(timeout=1.0)
        return CommandResult(args, "timeout", detail=f"{timeout:g}s")
    except Exception as error:
        _kill(process)
        return CommandResult(args, "error", detail=str(error))
    return CommandResult(
        args,
        "ok",
        process.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
    )


def _kill(process: object) -> None:
    import signal

    pid = getattr(process, "pid", None)
    try:
        if not _WINDOWS and pid is not None:
            os.killpg(pid, signal.SIGKILL)
        else:
            process.kill()  # type: ignore[attr-defined]
    except (OSError, AttributeError):
        pass
