"""Entry point: argparse wiring and error handling shared by every command.

Each command lives in ``torchenv.cli.<command>`` and exposes ``add_arguments(parser)``
and ``run(args) -> int``. Those modules import only the standard library at module
level so that building the parser (and ``--help``) stays instant; the work they do
imports its modules inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Optional

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


def _command_module(name: str) -> str:
    return "torchenv.cli." + name.replace("-", "_")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter without its ``import shutil``.

    argparse builds a formatter on every ``add_argument`` and the stock one imports
    ``shutil`` (with bz2 and lzma) just to read the terminal width: ~3 ms on every
    ``detect``/``check`` start. ``COLUMNS`` and ``os.get_terminal_size`` give the same.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_width())


def _terminal_width() -> int:
    import os

    try:
        return int(os.environ["COLUMNS"]) - 2
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns - 2 if sys.__stdout__ else 78
    except (OSError, ValueError, AttributeError):
        return 78


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
    """The full parser, or with ``only`` just that command's sub-parser.

    Building one sub-parser instead of seven keeps start-up cost off ``detect`` and
    ``check``, which pre-commit runs on every commit; ``--help`` and errors in the
    command name still get the full parser.
    """
    from torchenv import __version__

    parser = argparse.ArgumentParser(
        prog="torchenv",
        description="Which PyTorch wheel does this machine need? Detect, resolve, lock, check.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"torchenv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(_command_module(name))
        command_parser = sub.add_parser(
            name, help=summary, description=summary, formatter_class=_HelpFormatter
        )
        add_common_arguments(command_parser)
        module.add_arguments(command_parser)
    return parser


def _requested_command(argv: Sequence[str]) -> Optional[str]:
    """The command named on the command line, when it is the first argument."""
    if argv and argv[0] in COMMANDS:
        return argv[0]
    return None


# Commands that finish in milliseconds and allocate little: the cyclic garbage collector
# only costs them time (its passes during start-up imports were ~3 ms of a `check`).
_NO_GC_COMMANDS = frozenset({"detect", "resolve", "check"})


def main(argv: Optional[Sequence[str]] = None) -> int:
    from torchenv.errors import TorchenvError

    arguments = list(sys.argv[1:] if argv is None else argv)
    if argv is None and _requested_command(arguments) in _NO_GC_COMMANDS:
        import gc

        gc.disable()
    parser = build_parser(only=_requested_command(arguments))
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(_command_module(args.command))
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
    return code
