"""Read the header fields of a wheel's METADATA file, parsed once per process.

The Core Metadata spec defines the file format by what ``email.parser`` reads with the
``compat32`` policy; :func:`read_headers` implements exactly that subset (headers up to
the first line that is not a header, continuation lines starting with a space or tab,
repeated fields kept in order) without importing the ``email`` package, which costs
about 9 ms of start-up, and without reading the description body at all.
``tests/test_resolve_metadata.py`` compares it with ``email.parser`` on every recorded
METADATA file and on folded and malformed headers. Resolution needs two fields only:
:func:`dependency_fields` finds them with two regular-expression passes, giving what
:func:`read_headers` gives for them (tested on the same files) at a third of the cost.

Every target of a lock run asks for the same files, so :func:`dependency_lines`
memoises the parsed requirement lines by the file's bytes: only marker evaluation is
left per target (:mod:`torchenv.resolve.provider`). Most lines of a popular package
are optional (``pytest; extra == "test"``) and are never needed, so a line whose whole
marker is one ``extra == "name"`` test is kept as text (:class:`ExtraLine`) and parsed
only when a candidate asks for that extra.
"""

from __future__ import annotations

import functools
import re
from typing import Optional, Union

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from torchenv._record import Record

__all__ = [
    "CoreMetadata",
    "ExtraLine",
    "RequirementLine",
    "dependency_fields",
    "dependency_lines",
    "read_headers",
    "requirement_line",
]

# One physical line with its ending; the ending set is StringIO(newline="")'s, which is
# how email.feedparser cracks its input (not str.splitlines, which also splits on \f).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
# email.feedparser's test for "still in the header block": an envelope line, a field
# name of printable ASCII other than ":" followed by ":", or a continuation line.
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
# A Requires-Dist line whose marker is exactly one ``extra == "name"`` test. Only for a
# line without "@": in a URL requirement a ";" without a space before it belongs to
# the URL, so the text after it would not be the marker.
_EXTRA_ONLY = re.compile(r"""[^;@]*;[ \t]*extra[ \t]*==[ \t]*(['"])([^'"]+)\1[ \t]*""")
# The header block in one match: the longest run of lines that are each a header line
# by email.feedparser's test (_HEADER_LINE), with _LINE's line endings.
_HEADER_BLOCK = re.compile(r"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n|\Z))*")
# In the header block, a Requires-Dist or Requires-Python field: a line that starts
# with the name and a colon, with its continuation lines. The value is read_headers':
# leading blanks of the first line dropped, inner line breaks kept, the final line
# ending not included. The pattern starts with the "R" so that the engine skips ahead
# to candidate letters, and only then looks behind for the start of a line (text start
# or a line ending): a leading look-behind made it try every position, 3x slower.
_DEPENDENCY_FIELD = re.compile(
    r"[Rr](?<![^\r\n][Rr])(?i:equires-(dist|python)):[ \t]*"
    r"([^\r\n]*(?:(?:\r\n|\r|\n)[\t ][^\r\n]*)*)",
    re.ASCII,
)


def read_headers(text: str) -> list[tuple[str, str]]:
    """``(field name, value)`` pairs in file order, as ``email.parser`` (compat32) gives them.

    A folded value keeps its line breaks and the continuation lines' leading
    whitespace, and loses only the line ending at its very end, exactly like
    ``Message.get``. Names keep their spelling; compare them case-insensitively.
    """
    headers: list[tuple[str, str]] = []
    name = ""
    parts: list[str] = []
    for match in _LINE.finditer(text):
        line = match.group()
        if not _HEADER_LINE.match(line):
            break  # a blank line, or the first line of a body without the blank line
        if line[0] in " \t":
            if name:
                parts.append(line)
            # else: a continuation with nothing to continue is dropped (email does too)
        else:
            if name:
                headers.append((name, _join(parts)))
                name, parts = "", []
            if line.startswith("From "):
                pass  # an mbox envelope line, never a field (email keeps it aside)
            else:
                colon = line.find(":")
                if colon > 0:  # ":value" has no field name; email drops it as a defect
                    name, parts = line[:colon], [line[colon + 1 :].lstrip(" \t")]
    if name:
        headers.append((name, _join(parts)))
    return headers


def _join(parts: list[str]) -> str:
    return "".join(parts).rstrip("\r\n")


def dependency_fields(text: str) -> list[tuple[str, str]]:
    """The Requires-Dist and Requires-Python headers of ``text``, in file order.

    Exactly ``(name.lower(), value)`` for each such pair :func:`read_headers` gives, read
    with two regular-expression passes instead of a Python loop over every header line
    (classifiers, project URLs, ... are most of a METADATA file's headers).
    """
    block = _HEADER_BLOCK.match(text)
    end = block.end() if block is not None else 0
    return [
        ("requires-" + match.group(1).lower(), match.group(2))
        for match in _DEPENDENCY_FIELD.finditer(text, 0, end)
    ]


class RequirementLine(Record):
    """One parsed ``Requires-Dist`` line; the marker is evaluated per target later."""

    text: str
    name: NormalizedName
    specifier: SpecifierSet
    extras: frozenset[str]
    marker: Optional[Marker]
    # str(marker): a cheap key for caching the marker's verdict per target.
    marker_text: str


class ExtraLine(Record):
    """A line that applies only with one extra (``extra`` is its canonical name).

    :func:`requirement_line` parses it when a candidate with that extra needs it; a
    line that does not parse is skipped then, as it would have been up front.
    """

    text: str
    extra: str


class CoreMetadata(Record):
    """What resolution needs from METADATA: Requires-Python and the dependency lines."""

    requires_python: Optional[str]
    requirements: tuple[Union[RequirementLine, ExtraLine], ...]


@functools.lru_cache(maxsize=8192)
def requirement_line(text: str) -> Optional[RequirementLine]:
    """``text`` parsed, or None when it is not a valid requirement."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None  # a broken line in someone else's METADATA must not stop the lock
    marker = requirement.marker
    return RequirementLine(
        text,
        canonicalize_name(requirement.name),
        requirement.specifier,
        frozenset(requirement.extras),
        marker,
        str(marker) if marker is not None else "",
    )


# Keyed by the file's bytes, not its URL: two sources may serve different files under
# one URL (tests do), and equal bytes always parse the same. A bytes object caches its
# hash, so the repeated lookups of one run cost a dictionary probe each.
@functools.lru_cache(maxsize=512)
def dependency_lines(raw: bytes) -> CoreMetadata:
    """Requires-Python and the parsable Requires-Dist lines of one METADATA file."""
    requires_python: Optional[str] = None
    lines: list[Union[RequirementLine, ExtraLine]] = []
    for field, value in dependency_fields(raw.decode("utf-8", "replace")):
        if field == "requires-dist":
            optional = _EXTRA_ONLY.fullmatch(value)
            extra = canonicalize_name(optional.group(2)) if optional else ""
            if extra:
                lines.append(ExtraLine(value, extra))
                continue
            line = requirement_line(value)
            if line is not None:
                lines.append(line)
        elif field == "requires-python" and requires_python is None:
            requires_python = value
    return CoreMetadata(requires_python, tuple(lines))
