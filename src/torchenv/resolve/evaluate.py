"""Does one index file fit a target? Each check returns a reason to skip it, or None.

The reasons read like "platform tag win_amd64 not supported by linux-x86_64", so a
conflict report can say exactly why each file was passed over. A lock run judges
thousands of files and shows a reason only when resolution fails, so :meth:`judge`
returns a :class:`Rejection` (what failed, with its data) and the text is built by
:meth:`LinkEvaluator.describe` only when someone reads it.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Optional, Union

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import Version

from torchenv._record import Record
from torchenv.index.models import Link

__all__ = [
    "FileVerdict",
    "LinkEvaluator",
    "Rejection",
    "canonical_name",
    "specifier_set",
    "tag_text",
    "variant_label",
]

_VARIANT_LABEL = re.compile(r"^(cpu|cu\d+|rocm\d+(\.\d+)*|xpu)$")


def variant_label(version: Version) -> Optional[str]:
    """The accelerator named by a local label (``2.7.0+cu128`` -> ``cu128``), else None."""
    if version.local is None:
        return None
    label = version.local.split(".", 1)[0] if version.local.startswith("cu") else version.local
    # "rocm6.4" keeps its dot; "cu128.post1"-style suffixes are not used by PyTorch.
    return label if _VARIANT_LABEL.match(label) else None


def tag_text(wheel_filename: str) -> str:
    """A wheel file name's last three fields, as written: ``"cp311-cp311-win_amd64"``.

    For a name that ``parse_wheel_filename`` accepts (four or five dashes) this is the
    text it parses into tags; a name with fewer than three dashes gives "".
    """
    fields = wheel_filename[:-4].rsplit("-", 3)
    return "-".join(fields[1:]) if len(fields) == 4 else ""


# Every target's evaluator parses the same file names and Requires-Python strings, and
# compares the same project names: parse each once per process.
_parse_wheel_filename = functools.lru_cache(maxsize=65536)(parse_wheel_filename)
# Shared with the provider: one cache each per process.
canonical_name = functools.lru_cache(maxsize=4096)(canonicalize_name)
specifier_set = functools.lru_cache(maxsize=4096)(SpecifierSet)


class FileVerdict(Record):
    """A file that fits: its version and how good its best tag is (lower is better)."""

    link: Link
    version: Version
    tag_rank: int


class Rejection(Record):
    """Why a file does not fit, as data; :meth:`LinkEvaluator.describe` words it.

    ``kind`` names the failed check; ``detail`` is what the message needs (the file's
    tags, its Requires-Python, its local label, ...).
    """

    kind: str
    detail: Any = None


_NOT_A_WHEEL = Rejection("not-a-wheel")


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
        self._interpreters = frozenset(t.interpreter for t in tags)
        self._platforms = frozenset(t.platform for t in tags)
        self._python = Version(python_full_version)
        self.variant = variant
        # Most files of a page share a few tag sets (cp311-cp311-win_amd64, ...), and
        # most pages share a few Requires-Python strings: decide each once.
        self._tag_ranks: dict[frozenset[Tag], Union[int, Rejection]] = {}
        self._python_checks: dict[str, Optional[Rejection]] = {}
        # A page lists hundreds of wheels but a few dozen distinct platform fields and
        # a few hundred distinct tag texts, many shared by every page: decide each once.
        self._platform_fields: dict[str, bool] = {}
        self._tag_texts: dict[str, bool] = {}

    # What a twin for another variant shares (see with_variant): everything but the
    # variant. A new attribute must be added here or set in with_variant on purpose;
    # tests/test_resolver_evaluate.py fails until it is.
    _VARIANT_FREE = (
        "target_name",
        "_rank",
        "_interpreters",
        "_platforms",
        "_python",
        "_tag_ranks",
        "_python_checks",
        "_platform_fields",
        "_tag_texts",
    )

    def with_variant(self, variant: Optional[str]) -> LinkEvaluator:
        """This evaluator for another torch ``variant`` (None: any local label).

        The twin shares the tag tables and every cache, none of which depends on the
        variant: a target's torch-family and other evaluators build them once.
        """
        twin = object.__new__(LinkEvaluator)
        for name in self._VARIANT_FREE:
            setattr(twin, name, getattr(self, name))
        twin.variant = variant
        return twin

    def evaluate(self, name: NormalizedName, link: Link) -> tuple[Optional[FileVerdict], str]:
        """``(verdict, "")`` when the file fits, else ``(None, reason)``."""
        verdict = self.judge(name, link)
        if isinstance(verdict, Rejection):
            return None, self.describe(verdict)
        return verdict, ""

    def may_fit(self, filename: str) -> bool:
        """False for a wheel none of whose tags the target supports.

        Read from the name's tag fields without parsing the rest: a page lists files
        for every platform and Python, and most never need the full parse. True says
        nothing; only :meth:`judge` decides (and words why not).
        """
        if not filename.endswith(".whl"):
            return True
        return self.tag_text_fits(tag_text(filename))

    def platform_field_fits(self, field: str) -> bool:
        """False when the target supports none of the platform tags in ``field``.

        ``field`` is a wheel name's last field as written (``"win_amd64"``,
        ``"manylinux_2_17_x86_64.manylinux2014_x86_64"``): :meth:`judge` rejects every
        wheel whose name ends with a field this refuses.
        """
        fits = self._platform_fields.get(field)
        if fits is None:
            # Lower-cased one tag at a time, as packaging's Tag does.
            platforms = [platform.lower() for platform in field.split(".")]
            fits = self._platform_fields[field] = not self._platforms.isdisjoint(platforms)
        return fits

    def tag_text_fits(self, text: str) -> bool:
        """Whether the target supports a tag of ``text`` (see :func:`tag_text`).

        Exactly judge's tag check for a well-formed name, read without parsing the
        name: False means :meth:`judge` rejects every wheel with these tags.
        """
        fits = self._tag_texts.get(text)
        if fits is None:
            fits = self._tag_texts[text] = self._any_tag_supported(text)
        return fits

    def _any_tag_supported(self, text: str) -> bool:
        fields = text.split("-")
        if len(fields) != 3:
            return False  # parse_tag refuses it: a bad file name
        interpreters, abis, platforms = (field.split(".") for field in fields)
        # Cheap refusals first: most texts name another platform or another Python.
        if not self.platform_field_fits(fields[2]) or self._interpreters.isdisjoint(
            [interpreter.lower() for interpreter in interpreters]
        ):
            return False
        rank = self._rank
        return any(
            Tag(interpreter, abi, platform) in rank
            for interpreter in interpreters
            for abi in abis
            for platform in platforms
        )

    def judge(self, name: NormalizedName, link: Link) -> Union[FileVerdict, Rejection]:
        """The file's verdict, or the first check it fails (no text built)."""
        filename = link.filename
        if not filename.endswith(".whl"):
            return _NOT_A_WHEEL
        try:
            wheel_name, version, _build, tags = _parse_wheel_filename(filename)
        except InvalidWheelFilename as error:
            return Rejection("bad-file-name", str(error))
        if wheel_name != canonical_name(name):
            return Rejection("other-project", (wheel_name, name))
        rank = self._tag_ranks.get(tags)
        if rank is None:
            ranks = [self._rank[t] for t in tags if t in self._rank]
            rank = self._tag_ranks[tags] = min(ranks) if ranks else Rejection("tags", tags)
        if isinstance(rank, Rejection):
            return rank
        requires_python = link.requires_python
        if requires_python:
            if requires_python in self._python_checks:
                failed = self._python_checks[requires_python]
            else:
                failed = self._python_checks[requires_python] = self._check_python(requires_python)
            if failed is not None:
                return failed
        if self.variant is not None:
            label = variant_label(version)
            if label is not None and label != self.variant:
                return Rejection("variant", label)
        return FileVerdict(link, version, rank)

    def _check_python(self, requires_python: str) -> Optional[Rejection]:
        try:
            spec = specifier_set(requires_python)
        except InvalidSpecifier:
            return Rejection("bad-requires-python", requires_python)
        if not spec.contains(self._python, prereleases=True):
            return Rejection("requires-python", requires_python)
        return None

    def describe(self, rejection: Rejection) -> str:
        """The reason a conflict report shows for ``rejection``."""
        kind, detail = rejection
        if kind == "not-a-wheel":
            return "not a wheel (torchenv locks wheels only)"
        if kind == "bad-file-name":
            return f"bad wheel file name ({detail})"
        if kind == "other-project":
            return f"file is for {detail[0]}, not {detail[1]}"
        if kind == "tags":
            return self._tag_reason(detail)
        if kind == "bad-requires-python":
            return f"unparsable Requires-Python {detail!r}"
        if kind == "requires-python":
            return f"Requires-Python {detail} excludes {self._python}"
        if kind == "variant":
            return f"local label +{detail} is not the {self.variant} variant"
        raise ValueError(f"unknown rejection kind {kind!r}")

    def _tag_reason(self, tags: frozenset[Tag]) -> str:
        tag = sorted(tags, key=str)[0]
        if tag.platform not in self._platforms:
            return f"platform tag {tag.platform} not supported by {self.target_name}"
        if tag.interpreter not in self._interpreters:
            short = f"{self._python.major}.{self._python.minor}"
            return f"python tag {tag.interpreter} not supported by Python {short}"
        return f"tag {tag} not supported by {self.target_name}"
