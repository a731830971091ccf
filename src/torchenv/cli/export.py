"""`torchenv export`."""

from __future__ import annotations

import argparse

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    from torchenv.errors import UsageError

    raise UsageError("'torchenv export' is not available yet")
