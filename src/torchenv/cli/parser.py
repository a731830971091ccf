"""The argparse parser: ``--help``, errors, and command lines the plain parser declines.

Kept apart from :mod:`torchenv.cli.main` so that the commands pre-commit and shells run
constantly (``detect``, ``check``) never import argparse for a plain command line; see
:mod:`torchenv.cli.fastargs`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from torchenv.cli.main import COMMANDS, add_common_arguments, command_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["build_parser"]


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
        module = importlib.import_module(command_module(name))
        command_parser = sub.add_parser(
            name, help=summary, description=summary, formatter_class=_HelpFormatter
        )
        add_common_arguments(command_parser)
        module.add_arguments(command_parser)
    return parser
