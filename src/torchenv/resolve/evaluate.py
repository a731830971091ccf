"""Does one index file fit a target? Each check returns a reason to skip it, or None.

The reasons read like "platform tag win_amd64 not supported by linux-x86_64", so a
conflict report can say exactly why each file was passed over.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import Version

from torchenv.index.models import Link

__all__ = ["FileVerdict", "LinkEvaluator", "variant_label"]

_VARIANT_LABEL = re.compile(r"^(cpu|cu\d+|rocm\d+(\.\d+)*|xpu)$")


def variant_label(version: Version) -> Optional[str]:
    """The accelerator named by a local label (``2.7.0+cu128`` -> ``cu128``), else None."""
    if version.local is None:
        return None
    label = version.local.split(".", 1)[0] if version.local.startswith("cu") else version.local
    # "rocm6.4" keeps its dot; "cu128.post1"-style suffixes are not used by PyTorch.
    return label if _VARIANT_LABEL.match(label) else None


# Every target's evaluator parses the same file names: parse each once per process.
_parse_wheel_filename = functools.lru_cache(maxsize=65536)(parse_wheel_filename)


@dataclass(frozen=True)
class FileVerdict:
    """A file that fits: its version and how good its best tag is (lower is better)."""

    link: Link
    version: Version
    tag_rank: int


class LinkEvaluator:
    """Judge files for one target, Python version and (for the torch family) one variant."""

    def __init__(
        self,
        target_name: str,
        tags: list[Tag],
        python_full_version: str,
        variant: Optional[str] = None,
    ) -> None:
        self.target_name = target_name
        self._rank = {tag: i for i, tag in enumerate(tags)}
        # Computed once: a rejection reason is built for most files of a big page.
        self._interpreters = frozenset(t.interpreter for t in tags)
        self._platforms = frozenset(t.platform for t in tags)
        self._python = Version(python_full_version)
        self.variant = variant

    def evaluate(self, name: NormalizedName, link: Link) -> tuple[Optional[FileVerdict], str]:
        """``(verdict, "")`` when the file fits, else ``(None, reason)``."""
        if not link.is_wheel:
            return None, "not a wheel (torchenv locks wheels only)"
        try:
            wheel_name, version, _build, tags = _parse_wheel_filename(link.filename)
        except InvalidWheelFilename as error:
            return None, f"bad wheel file name ({error})"
        if wheel_name != canonicalize_name(name):
            return None, f"file is for {wheel_name}, not {name}"
        ranks = [self._rank[t] for t in tags if t in self._rank]
        if not ranks:
            return None, self._tag_reason(tags)
        if link.requires_python:
            try:
                spec = SpecifierSet(link.requires_python)
            except InvalidSpecifier:
                return None, f"unparsable Requires-Python {link.requires_python!r}"
            if not spec.contains(self._python, prereleases=True):
                return None, f"Requires-Python {link.requires_python} excludes {self._python}"
        if self.variant is not None:
            label = variant_label(version)
            if label is not None and label != self.variant:
                return None, f"local label +{label} is not the {self.variant} variant"
        return FileVerdict(link, version, min(ranks)), ""

    def _tag_reason(self, tags: frozenset[Tag]) -> str:
        tag = sorted(tags, key=str)[0]
        if tag.platform not in self._platforms:
            return f"platform tag {tag.platform} not supported by {self.target_name}"
        if tag.interpreter not in self._interpreters:
            short = f"{self._python.major}.{self._python.minor}"
            return f"python tag {tag.interpreter} not supported by Python {short}"
        return f"tag {tag} not supported by {self.target_name}"
