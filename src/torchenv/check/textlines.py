"""Line-level helpers shared by the readers: ignore comments and joined lines."""

from __future__ import annotations

import bisect
import re

from torchenv._record import Record
from torchenv.check.model import ALL_CODES, Position

__all__ = ["LineMap", "LogicalLine", "inline_ignores", "join_continuations", "spread_ignores"]

_IGNORE = re.compile(r"#.*?\btorchenv:\s*ignore\b(?:\[([A-Za-z0-9_,\s]*)\])?")


def inline_ignores(text: str) -> dict[int, frozenset[str]]:
    """``# torchenv: ignore[TE003]`` / ``# torchenv: ignore`` per 1-based line."""
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "torchenv" not in line:
            continue
        match = _IGNORE.search(line)
        if not match:
            continue
        if match.group(1) is None:
            found[number] = frozenset({ALL_CODES})
        else:
            codes = frozenset(c.strip().upper() for c in match.group(1).split(",") if c.strip())
            found[number] = codes or frozenset({ALL_CODES})
    return found


def spread_ignores(
    ignores: dict[int, frozenset[str]], logical: list[LogicalLine]
) -> dict[int, frozenset[str]]:
    """An ignore comment on any physical line of a ``\\``-continued line covers all of it
    (pip and Docker allow a comment only on the last piece)."""
    if not ignores:
        return ignores
    spread = dict(ignores)
    for line in logical:
        numbers = [span[1] for span in line.spans]
        if len(numbers) < 2:
            continue
        codes = frozenset().union(*(ignores.get(n, frozenset()) for n in numbers))
        if codes:
            for number in numbers:
                spread[number] = codes
    return spread


class LineMap:
    """Offsets in a whole text -> 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.starts.append(index + 1)

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)


class LogicalLine(Record):
    """Physical lines joined at ``\\`` continuations, with the map back to positions.

    ``spans`` holds ``(offset in text, line number, column of that offset)`` for the
    start of each physical piece.
    """

    text: str
    spans: tuple[tuple[int, int, int], ...]

    @property
    def line(self) -> int:
        return self.spans[0][1]

    def position(self, offset: int) -> Position:
        starts = [span[0] for span in self.spans]
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        start, line, col = self.spans[index]
        return Position(line, col + offset - start)


def join_continuations(text: str) -> list[LogicalLine]:
    """Lines ending in a backslash continue on the next one (pip and Dockerfile rule)."""
    logical: list[LogicalLine] = []
    pieces: list[str] = []
    spans: list[tuple[int, int, int]] = []
    length = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        continued = line.rstrip().endswith("\\")
        if continued:
            line = line.rstrip()[:-1]
        spans.append((length, number, 1))
        pieces.append(line)
        length += len(line)
        if not continued:
            logical.append(LogicalLine("".join(pieces), tuple(spans)))
            pieces, spans, length = [], [], 0
    if pieces:
        logical.append(LogicalLine("".join(pieces), tuple(spans)))
    return logical
