"""Entry point: command dispatch and the error handling every command shares.

Each command lives in ``torchenv.cli.<command>`` and exposes ``add_arguments(parser)``
and ``run(args) -> int``. Those modules import only the standard library at module
level so that declaring options (and ``--help``) stays instant; the work they do
imports its modules inside ``run``. A plain command line is parsed by
:mod:`torchenv.cli.fastargs` from the same declarations; anything else, ``--help`` and
errors included, goes to argparse (:mod:`torchenv.cli.parser`).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, NoReturn, Optional

__all__ = ["COMMANDS", "build_parser", "main"]

# command name -> one-line help. The module is ``torchenv.cli.<name>``, with '-' as '_'.
COMMANDS: dict[str, str] = {
    "detect": "fingerprint this machine: OS, Python, accelerators, with evidence",
    "resolve": "pick the PyTorch backend, index and wheel for this machine or a target",
    "catalog": "show or refresh the embedded PyTorch release knowledge base",
    "lock": "resolve the project for several targets and write pylock.<variant>.toml files",
    "install": "install the locked variant that fits this machine",
    "check": "validate requirement files, pyproject.toml, environment.yml and lockfiles",
    "export": "write environment.yml, requirements, uv, pixi, Poetry or PDM configuration",
}


def command_module(name: str) -> str:
    """The module implementing command ``name``."""
    return "torchenv.cli." + name.replace("-", "_")


def _command(name: str) -> Any:
    """The module implementing command ``name``, imported.

    ``__import__`` rather than ``importlib.import_module``: the importlib package (and
    the warnings module it pulls in) is half a millisecond of every start.
    """
    module = command_module(name)
    __import__(module)
    return sys.modules[module]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every command accepts."""
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    parser.add_argument(
        "--fingerprint",
        metavar="FILE",
        action="append",
        default=None,
        help="use a fingerprint saved with 'torchenv detect --json' instead of this machine",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="say more on stderr (repeatable)"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="say less on stderr (repeatable)"
    )
    parser.add_argument(
        "--no-color", action="store_true", help="plain output (NO_COLOR is honoured too)"
    )


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The argparse parser (see :func:`torchenv.cli.parser.build_parser`)."""
    from torchenv.cli.parser import build_parser as build

    return build(only)


def _requested_command(argv: Sequence[str]) -> Optional[str]:
    """The command named on the command line, when it is the first argument."""
    if argv and argv[0] in COMMANDS:
        return argv[0]
    return None


def _parse_plain(command: str, arguments: list[str]) -> Any:
    """The command line parsed without argparse, or ``None`` when argparse must see it."""
    from torchenv.cli.fastargs import OptionRecorder, parse_plain

    recorder = OptionRecorder()
    add_common_arguments(recorder)  # type: ignore[arg-type]  # duck-typed parser
    _command(command).add_arguments(recorder)
    return parse_plain(command, arguments[1:], recorder)


# Commands that finish in milliseconds and allocate little: the cyclic garbage collector
# only costs them time (its passes during start-up imports were ~3 ms of a `check`).
_NO_GC_COMMANDS = frozenset({"detect", "resolve", "check"})
# Commands whose objects (index pages of thousands of links, resolver state) mostly
# live until the end: frequent young-generation passes traverse them again and again
# (~8 ms of a cold lock's ~125 ms of in-process CPU). Collections still run, rarely
# enough to cost nothing here, often enough to bound memory in a long backtracking run:
# a young pass per 100 000 net allocations, a middle one per 50 of those, a full one
# per 10 middle ones (CPython 3.9-3.13; 3.14's incremental collector reads the first
# two numbers as its young threshold and old-generation pace).
_FEW_GC_COMMANDS = frozenset({"lock"})
_FEW_GC_THRESHOLDS = (100_000, 50, 10)
# Commands that leave no temporary files, subprocesses or non-daemon threads once their
# run() returns (lock closes its fetch pool first; a detect probe abandoned at its
# deadline is a daemon thread, which a normal exit does not wait for either): the
# interpreter's teardown only costs them time (~6 ms of a check, 30-45 ms of a lock).
_FAST_EXIT_COMMANDS = frozenset({"detect", "resolve", "check", "lock"})


def main(argv: Optional[Sequence[str]] = None) -> int:
    from torchenv.errors import TorchenvError

    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _requested_command(arguments)
    if argv is None and command in _NO_GC_COMMANDS:
        import gc

        gc.disable()
    elif argv is None and command in _FEW_GC_COMMANDS:
        import gc

        gc.set_threshold(*_FEW_GC_THRESHOLDS)
    args = _parse_plain(command, arguments) if command is not None else None
    if args is None:
        parser = build_parser(only=command)
        args = parser.parse_args(arguments)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
    module = _command(args.command)
    try:
        code: int = module.run(args)
    except TorchenvError as error:
        from torchenv.cli.output import print_error

        print_error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error worth a traceback.
        return 0
    if argv is None and command in _FAST_EXIT_COMMANDS and not _observed():
        _exit_without_teardown(code)
    return code


def _observed() -> bool:
    """A profiler or coverage tracer is attached: it writes its data at normal exit."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    # Python 3.12+: coverage (COVERAGE_CORE=sysmon) and profilers use sys.monitoring.
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(
        monitoring.get_tool(tool) is not None for tool in range(6)
    )


def _exit_without_teardown(code: int) -> NoReturn:
    """Flush the output and end the process, skipping the interpreter's teardown.

    Tearing down the ~100 modules a ``check`` imports took ~6 ms of its ~50 ms on the
    reference machine, 30-45 ms of a ``lock``. Only for the commands that hold no
    temporary files, subprocesses or running threads once they return: nothing is left
    for teardown or ``atexit`` to finish.
    """
    import os

    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 (contextlib.suppress would cost an import on every run)
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe (| head) or stream: nothing more can be said there
    os._exit(code)
