"""What the user asked for: the torch requirement, the Python, the channel, the rules.

Pure parsing of ``--torch``, ``--python`` and friends into a :class:`Request`, kept apart
from the selection so each piece can be tested on strings.
"""

from __future__ import annotations

import re
import sys

from torchenv._record import Record
from torchenv.errors import UsageError
from torchenv.targets import BACKEND_PATTERN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from packaging.specifiers import SpecifierSet

__all__ = ["CUDA_COMPAT_MODES", "Request", "parse_python", "parse_torch_spec"]

CUDA_COMPAT_MODES = ("minor", "strict")


def parse_python(text: Optional[str]) -> tuple[str, bool]:
    """``"3.11"`` -> ``("3.11", False)``; ``"3.13t"`` -> ``("3.13", True)``; None: this one."""
    if text is None:
        free = bool(getattr(sys, "_is_gil_enabled", lambda: True)() is False)
        return f"{sys.version_info[0]}.{sys.version_info[1]}", free
    match = re.match(r"^\s*(?:cp)?3\.?(\d{1,2})(?:\.\d+)?(t?)\s*$", text)
    if not match:
        raise UsageError(f"bad --python {text!r}: expected X.Y, e.g. 3.11 (or 3.13t)")
    return f"3.{int(match.group(1))}", bool(match.group(2))


def parse_torch_spec(text: Optional[str]) -> tuple[Optional[SpecifierSet], Optional[str]]:
    """(specifier set, backend named by a local-label pin) for ``--torch``.

    A bare version ``2.7.1`` means ``==2.7.1``; ``torch==2.6.0+cu124`` is accepted too.
    ``==2.6.0+cu124`` names the backend ``cu124``: specifiers alone never choose the
    accelerator build (``Version("2.6.0+cu126")`` satisfies ``==2.6.0``), a label does.
    """
    if text is None or not text.strip():
        return None, None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    value = text.strip()
    if value.lower().startswith("torch"):
        value = value[5:].strip()
    if value and value[0].isdigit():
        value = "==" + value
    try:
        spec = SpecifierSet(value)
    except InvalidSpecifier:
        raise UsageError(
            f"bad --torch {text!r}: expected a version specifier such as '>=2.6' or '==2.7.1'"
        ) from None
    label: Optional[str] = None
    for item in spec:
        if item.operator in ("==", "===") and "+" in item.version:
            local = item.version.split("+", 1)[1].lower()
            if BACKEND_PATTERN.match(local):
                if label is not None and label != local:
                    raise UsageError(f"bad --torch {text!r}: pins two backends")
                label = local
    return spec, label


class Request(Record):
    """Everything about a selection that is not the machine (immutable; a record because
    it is created per call and cheaper to define at import than a dataclass)."""

    spec: Optional[SpecifierSet] = None
    spec_text: str = ""
    label_backend: Optional[str] = None
    python: str = "3.11"
    free_threaded: bool = False
    channel: str = "stable"
    cuda_compat: str = "minor"
    index_base: str = "https://download.pytorch.org/whl"

    @property
    def python_tag(self) -> str:
        return "cp" + self.python.replace(".", "") + ("t" if self.free_threaded else "")

    @property
    def python_label(self) -> str:
        return f"Python {self.python}{'t (free-threaded)' if self.free_threaded else ''}"

    def matches(self, full_version: str) -> bool:
        """Does the requirement accept this exact (possibly labelled) torch version?"""
        if self.spec is None:
            return True
        return self.spec.contains(full_version, prereleases=True)
