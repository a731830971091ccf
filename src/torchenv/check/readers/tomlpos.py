"""Where each value of a TOML document sits: ``tomllib`` parses, this locates.

``tomllib`` returns values without positions; diagnostics need ``line:col``. This is a
light scanner over the same text that records, for every key path, where its value
starts: ``("project", "dependencies", 2)`` -> the opening quote of the third string;
``("tool", "uv", "index", 1, "url")`` -> the URL of the second ``[[tool.uv.index]]``.
It trusts that ``tomllib`` already accepted the text, so it does not validate.
"""

from __future__ import annotations

from torchenv.check.model import Position
from torchenv.check.textlines import LineMap
from torchenv.tomlsubset import skip_blank

__all__ = ["locate"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    KeyPath = tuple[Union[str, int], ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines = LineMap(text)
        self.found: dict[KeyPath, Position] = {}
        self.array_tables: dict[KeyPath, int] = {}

    def here(self) -> Position:
        return self.lines.position(self.pos)

    def skip(self, newlines: bool) -> None:
        self.pos = skip_blank(self.text, self.pos, newlines=newlines)

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip(False)
            char = self.text[self.pos]
            if char in "\"'":
                parts.append(self.string())
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in _BARE:
                    self.pos += 1
                parts.append(self.text[start : self.pos])
            self.skip(False)
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return parts

    def string(self) -> str:
        text = self.text
        quote = text[self.pos]
        if text.startswith(quote * 3, self.pos):
            end = text.find(quote * 3, self.pos + 3)
            while quote == '"' and end > 0 and _escaped(text, end):
                end = text.find(quote * 3, end + 1)
            # A closing delimiter may be followed by up to two more quotes inside the value.
            while text.startswith(quote, end + 3):
                end += 1
            value = text[self.pos + 3 : end]
            self.pos = end + 3
            return value
        end = self.pos + 1
        while text[end] != quote or (quote == '"' and _escaped(text, end)):
            end += 1
        value = text[self.pos + 1 : end]
        self.pos = end + 1
        return value

    def value(self, path: KeyPath) -> None:
        self.skip(False)
        self.found[path] = self.here()
        char = self.text[self.pos]
        if char in "\"'":
            self.string()
        elif char == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip(True)
                if self.text[self.pos] == "]":
                    self.pos += 1
                    return
                self.value((*path, index))
                index += 1
                self.skip(True)
                if self.text[self.pos] == ",":
                    self.pos += 1
        elif char == "{":
            self.pos += 1
            while True:
                self.skip(True)
                if self.text[self.pos] == "}":
                    self.pos += 1
                    return
                keys = self.key()
                self.pos += 1  # "="
                self.value((*path, *keys))
                self.skip(True)
                if self.text[self.pos] == ",":
                    self.pos += 1
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\n#":
                self.pos += 1

    def header_path(self, keys: list[str], array: bool) -> KeyPath:
        resolved: list[Union[str, int]] = []
        for index, key in enumerate(keys):
            resolved.append(key)
            count = self.array_tables.get(tuple(resolved))
            # An intermediate key naming an array of tables means its latest element.
            if count is not None and index < len(keys) - 1:
                resolved.append(count - 1)
        path = tuple(resolved)
        if array:
            count = self.array_tables.get(path, 0) + 1
            self.array_tables[path] = count
            return (*path, count - 1)
        return path

    def run(self) -> dict[KeyPath, Position]:
        table: KeyPath = ()
        while True:
            self.skip(True)
            if self.pos >= len(self.text):
                return self.found
            if self.text[self.pos] == "[":
                start = self.here()
                array = self.text.startswith("[[", self.pos)
                self.pos += 2 if array else 1
                keys = self.key()
                self.pos += 2 if array else 1
                table = self.header_path(keys, array)
                self.found.setdefault(table, start)
                continue
            keys = self.key()
            self.pos += 1  # "="
            self.value((*table, *keys))


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def locate(text: str) -> dict[KeyPath, Position]:
    """Map every key path (tables, keys, array items) to where its value starts."""
    return _Scanner(text).run()
