"""A light PEP 508 splitter: name, extras, specifier, marker, URL, with columns.

``packaging.requirements`` would do, but importing it pulls in ``packaging.tags`` and
a tokenizer that together cost more than the whole of ``check`` on a small repository;
the rules only need the pieces, not validation of every corner of the grammar.
"""

from __future__ import annotations

import re

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["ParsedRequirement", "canonical_name", "parse_requirement", "wheel_name_version"]

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
_EXTRAS = re.compile(r"\[([^\]]*)\]\s*")
_SPEC_CLAUSE = re.compile(r"^\s*(===|==|!=|<=|>=|~=|<|>)\s*([A-Za-z0-9*][^\s,;]*)\s*$")


def canonical_name(name: str) -> str:
    """PEP 503 normalization: ``Torch_Vision`` -> ``torch-vision``."""
    return re.sub(r"[-_.]+", "-", name).lower()


class ParsedRequirement(Record):
    name: str
    extras: tuple[str, ...]
    specifier: str
    marker: Optional[str]
    url: Optional[str]
    name_offset: int


def parse_requirement(text: str) -> ParsedRequirement:
    """Split ``torch[opt]==2.7.0+cu128 ; sys_platform == 'linux'``; ValueError if malformed."""
    match = _NAME.match(text)
    if not match:
        raise ValueError(f"not a requirement: {text.strip()!r}")
    name = match.group(1)
    pos = match.end()
    extras: tuple[str, ...] = ()
    extras_match = _EXTRAS.match(text, pos)
    if extras_match:
        extras = tuple(e.strip() for e in extras_match.group(1).split(",") if e.strip())
        pos = extras_match.end()
    rest = text[pos:]
    url: Optional[str] = None
    marker: Optional[str] = None
    if rest.startswith("@"):
        body = rest[1:].strip()
        # A URL ends at whitespace; a marker after a URL must follow " ;".
        url, _, after = body.partition(" ")
        after = after.strip()
        if after:
            if not after.startswith(";"):
                raise ValueError(f"unexpected text after URL: {after!r}")
            marker = after[1:].strip() or None
        specifier = ""
    else:
        specifier, semicolon, marker_text = rest.partition(";")
        if semicolon:
            marker = marker_text.strip() or None
        specifier = specifier.strip()
        if specifier.startswith("(") and specifier.endswith(")"):
            specifier = specifier[1:-1].strip()
        for clause in filter(None, (c.strip() for c in specifier.split(","))):
            if not _SPEC_CLAUSE.match(clause):
                raise ValueError(f"invalid version specifier {clause!r}")
        specifier = ",".join(c.replace(" ", "") for c in specifier.split(",") if c.strip())
    if marker is not None:
        from torchenv.check.markers import marker_platforms

        marker_platforms(marker)  # ValueError names what is wrong
    return ParsedRequirement(
        name=canonical_name(name),
        extras=extras,
        specifier=specifier,
        marker=marker,
        url=url,
        name_offset=match.start(1),
    )


_WHEEL = re.compile(
    r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-(?:\d[^-]*-)?[^-]+-[^-]+-[^-]+\.whl$"
)


def wheel_name_version(url: str) -> Optional[tuple[str, str]]:
    """``…/torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl`` -> ("torch", "2.3.0+cu121")."""
    filename = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    filename = _unquote(filename)
    match = _WHEEL.match(filename)
    if not match:
        return None
    return canonical_name(match.group("name")), match.group("version")


_HEX = frozenset("0123456789abcdefABCDEF")


def _unquote(text: str) -> str:
    """``urllib.parse.unquote`` for a file name (``%2B`` -> ``+``), without importing
    urllib.parse and ipaddress (~3 ms of every ``check`` start)."""
    if "%" not in text:
        return text
    raw = text.encode("utf-8")
    out = bytearray()
    index = 0
    while index < len(raw):
        pair = raw[index + 1 : index + 3]
        if raw[index] == 0x25 and len(pair) == 2 and all(chr(b) in _HEX for b in pair):
            out.append(int(pair, 16))
            index += 3
        else:
            out.append(raw[index])
            index += 1
    return out.decode("utf-8", "replace")
