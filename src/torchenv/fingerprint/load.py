"""Read a fingerprint saved with ``torchenv detect --json``; pick fingerprints for a
command (``--fingerprint`` files, else this machine)."""

from __future__ import annotations

import argparse
import json

from torchenv.errors import InputError
from torchenv.fingerprint.model import Fingerprint, FingerprintFormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["fingerprint_from_args", "load_fingerprint"]


def load_fingerprint(path: str) -> Fingerprint:
    """Parse and validate a schema-1 fingerprint file; :class:`InputError` names the file
    (and the line for JSON syntax errors)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InputError(path, f"cannot read fingerprint: {reason}") from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            path, f"not valid JSON: {error.msg} (column {error.colno})", line=error.lineno
        ) from None
    try:
        return Fingerprint.from_dict(data)
    except FingerprintFormatError as error:
        raise InputError(path, f"not a torchenv fingerprint: {error}") from None
    except (TypeError, ValueError, AttributeError) as error:
        # A value of the wrong type deeper than the model checks (e.g. a number as version).
        raise InputError(path, f"not a torchenv fingerprint: {error}") from None


def fingerprint_from_args(args: argparse.Namespace) -> list[Fingerprint]:
    """The ``--fingerprint`` files of ``args`` in order, or this machine detected."""
    files = getattr(args, "fingerprint", None)
    if files:
        return [load_fingerprint(path) for path in files]
    from torchenv.fingerprint.detect import detect_fingerprint

    return [detect_fingerprint()]
