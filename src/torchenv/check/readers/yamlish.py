"""A line-oriented reader for the YAML subset conda environment files use.

PyYAML is not a runtime dependency, gives no line numbers for scalars in its simple
API, and costs more to import than ``check`` may spend. environment.yml files are a
small, regular subset: block mappings and lists by indentation, ``- pip:`` nested
lists, flow lists ``[a, b]``, quoted scalars and ``#`` comments. Anything outside it
(anchors, block scalars, multi-document streams) is kept as a raw string, or reported
as an input error with its line when the structure itself is unreadable.
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.check.model import Position
from torchenv.errors import InputError

__all__ = ["YamlNode", "parse_yaml", "to_python"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    YamlValue = Union[str, list["YamlNode"], dict[str, "YamlNode"], None]

_KEY = re.compile(r"""^("[^"]*"|'[^']*'|[^\s'"#\-\[{][^#]*?|-[^\s#][^#]*?):(?:\s+|$)(.*)$""")


class YamlNode(Record):
    """A scalar (``str``, or None for an empty value), list or mapping, with its position."""

    value: YamlValue
    position: Position


class _Line:
    """One non-blank line (a plain slotted class: cheaper to build per line than a record)."""

    __slots__ = ("indent", "number", "text")

    def __init__(self, number: int, indent: int, text: str) -> None:
        self.number = number
        self.indent = indent
        self.text = text


def _strip_comment(text: str) -> str:
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"" and (index == 0 or text[index - 1] in " \t[,:-"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index].rstrip()
    return text.rstrip()


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines: list[_Line] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.strip() in ("---", "..."):
                continue
            content = _strip_comment(raw)
            if not content.strip():
                continue
            if "\t" in raw[: len(raw) - len(raw.lstrip())]:
                raise InputError(path, "tabs are not allowed in YAML indentation", number)
            indent = len(content) - len(content.lstrip())
            self.lines.append(_Line(number, indent, content.strip()))
        self.index = 0

    def error(self, line: int, message: str) -> InputError:
        return InputError(self.path, message, line)

    def scalar(self, text: str, line: int, col: int) -> YamlNode:
        if text.startswith("[") and text.endswith("]"):
            return YamlNode(self.flow_list(text, line, col), Position(line, col))
        if text.startswith(("[", "{")):
            raise self.error(line, "unsupported or unterminated flow collection")
        if text.startswith(("&", "*", "|", ">", "!")):
            return YamlNode(text, Position(line, col))
        return YamlNode(_unquote(text) if text else None, Position(line, col))

    def flow_list(self, text: str, line: int, col: int) -> list[YamlNode]:
        items: list[YamlNode] = []
        body = text[1:-1]
        start = 0
        quote = ""
        for index, char in enumerate(body + ","):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char == ",":
                piece = body[start:index]
                stripped = piece.strip()
                if stripped:
                    offset = col + 1 + start + len(piece) - len(piece.lstrip())
                    items.append(YamlNode(_unquote(stripped), Position(line, offset)))
                start = index + 1
        return items

    def block(self, indent: int) -> YamlNode:
        line = self.lines[self.index]
        if line.indent != indent:
            raise self.error(line.number, "unexpected indentation")
        if line.text == "-" or line.text.startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def child(self, parent_indent: int, allow_same_indent_list: bool) -> YamlNode:
        """The nested block after ``key:`` (or ``- key:``), or an empty value."""
        if self.index < len(self.lines):
            nxt = self.lines[self.index]
            if nxt.indent > parent_indent or (
                allow_same_indent_list
                and nxt.indent == parent_indent
                and (nxt.text == "-" or nxt.text.startswith("- "))
            ):
                return self.block(nxt.indent)
        return YamlNode(None, Position(self.lines[self.index - 1].number, parent_indent + 1))

    def mapping(self, indent: int, first: str = "", first_col: int = 0) -> YamlNode:
        entries: dict[str, YamlNode] = {}
        start = self.lines[self.index]
        position = Position(start.number, (first_col or indent) + 1)
        pending = first
        while True:
            if pending:
                text, col, number = pending, first_col, self.lines[self.index - 1].number
                pending = ""
            else:
                if self.index >= len(self.lines) or self.lines[self.index].indent != indent:
                    break
                current = self.lines[self.index]
                if current.text.startswith("- ") or current.text == "-":
                    break
                text, col, number = current.text, indent, current.number
                self.index += 1
            match = _KEY.match(text)
            if not match:
                raise self.error(number, f"expected 'key: value', got {text!r}")
            key = _unquote(match.group(1).strip())
            rest = match.group(2).strip()
            if rest:
                value_col = col + len(text) - len(rest) + 1
                entries[key] = self.scalar(rest, number, value_col)
            else:
                entries[key] = self.child(col, allow_same_indent_list=True)
            if first_col and self.index < len(self.lines):
                # Further keys of a mapping inside a list item align with its first key.
                nxt = self.lines[self.index]
                if nxt.indent == first_col and not nxt.text.startswith("- "):
                    indent = first_col
        return YamlNode(entries, position)

    def sequence(self, indent: int) -> YamlNode:
        items: list[YamlNode] = []
        position = Position(self.lines[self.index].number, indent + 1)
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if line.indent != indent or not (line.text == "-" or line.text.startswith("- ")):
                if line.indent > indent:
                    raise self.error(line.number, "unexpected indentation")
                break
            self.index += 1
            body = line.text[1:].lstrip()
            col = indent + len(line.text) - len(body)
            if not body:
                items.append(self.child(indent, allow_same_indent_list=False))
            elif _KEY.match(body) and not body.startswith(("'", '"')):
                items.append(self.mapping(col, first=body, first_col=col))
            else:
                items.append(self.scalar(body, line.number, col + 1))
        return YamlNode(items, position)

    def document(self) -> YamlNode:
        if not self.lines:
            return YamlNode({}, Position(1, 1))
        node = self.block(self.lines[0].indent)
        if self.index < len(self.lines):
            raise self.error(self.lines[self.index].number, "unexpected indentation")
        return node


def parse_yaml(text: str, path: str) -> YamlNode:
    """Parse the environment.yml subset; InputError with the line if it is not readable."""
    return _Reader(text, path).document()


def to_python(node: YamlNode) -> object:
    """Plain lists/dicts/strings, for comparing with PyYAML in tests."""
    if isinstance(node.value, list):
        return [to_python(item) for item in node.value]
    if isinstance(node.value, dict):
        return {key: to_python(value) for key, value in node.value.items()}
    return node.value
