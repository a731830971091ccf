"""How commands talk: JSON on stdout, human text on stdout, diagnostics on stderr."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["color_enabled", "paint", "print_error", "print_json", "print_warning"]


def color_enabled(stream: Any = None, *, no_color_flag: bool = False) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if no_color_flag or os.environ.get("NO_COLOR", "") != "":
        return False
    target = sys.stderr if stream is None else stream
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty())


_CODES = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}


def paint(text: str, style: str, *, enabled: bool) -> str:
    if not enabled:
        return text
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m"


def print_json(payload: Any) -> None:
    """One JSON document on stdout, stable key order as given, trailing newline."""
    import json  # not at module level: text output (check's default) never needs it

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def print_error(message: str) -> None:
    prefix = paint("error", "red", enabled=color_enabled(sys.stderr))
    sys.stderr.write(f"torchenv: {prefix}: {message}\n")


def print_warning(message: str) -> None:
    prefix = paint("warning", "yellow", enabled=color_enabled(sys.stderr))
    sys.stderr.write(f"torchenv: {prefix}: {message}\n")
