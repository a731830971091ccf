"""A strict parser for the everyday subset of TOML, with tomllib as the authority.

``check`` reads pyproject.toml, pixi.toml and pylock files on every commit, ``lock``
reads pyproject.toml on every run. Importing
``tomllib`` costs more than everything else ``check`` does with them: it pulls in
``typing`` and ``datetime`` and compiles its regexes (about 11 ms of a 45 ms run on the
reference machine, more than a fifth). The files ``check`` reads use a small part of
TOML: tables, arrays of tables, bare/quoted/dotted keys, single-line strings, decimal
integers, simple floats, booleans, arrays and inline tables.

:func:`parse_subset` parses exactly that subset, strictly, and returns ``None`` for
anything else: multi-line strings, dates and times, hexadecimal or exponent numbers,
``inf``/``nan``, any redefinition or table rule it does not model, and every syntax
error. The caller then asks tomllib, which gives the value or the error message. So a
document either gets tomllib's exact value from here or goes to tomllib itself;
``tests/test_toml_subset.py`` checks that property on every TOML file in the repository
and on thousands of mutated documents.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = ["parse_subset", "skip_blank"]

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_DIGITS = frozenset("0123456789")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
# Characters TOML forbids outside strings' escapes (everything below 0x20 but tab and
# newlines, and DEL): a document holding one is invalid, tomllib says where.
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}

# How each table came to exist decides what may still be added to it (TOML 1.0 §Table).
_HEADER = "header"  # [a.b]
_IMPLICIT = "implicit"  # "a" of [a.b], until [a] defines it
_DOTTED = "dotted"  # a.b = 1 creates table "a"
_ARRAY_ELEMENT = "array"  # an element of [[a]]
_FROZEN = "frozen"  # an inline table: complete as written


def skip_blank(text: str, pos: int, *, newlines: bool) -> int:
    """The position after spaces, tabs, carriage returns and comments from ``pos`` (and
    newlines too when ``newlines``)."""
    while pos < len(text):
        char = text[pos]
        if char in " \t\r" or (newlines and char == "\n"):
            pos += 1
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        else:
            return pos
    return pos


class _Unsupported(Exception):
    """Outside the subset, or not valid TOML: tomllib decides."""


def parse_subset(text: str) -> Optional[dict[str, Any]]:
    """The document as tomllib would parse it, or ``None`` when tomllib must decide."""
    if "\r" in text.replace("\r\n", "") or not _CONTROL.isdisjoint(text) or "\ufeff" in text:
        return None
    try:
        return _Parser(text.replace("\r\n", "\n")).document()
    except (_Unsupported, IndexError):
        return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.root: dict[str, Any] = {}
        # id() of every table dict -> how it came to exist; the dicts are kept alive by
        # the document, so ids are not reused during a parse.
        self.kinds: dict[int, str] = {id(self.root): _HEADER}
        self.arrays_of_tables: set[int] = set()

    # -- document structure -------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        table = self.root
        text = self.text
        while True:
            self._skip_blank_lines()
            if self.pos >= len(text):
                return self.root
            if text[self.pos] == "[":
                table = self._header()
            else:
                self._key_value(table)
            self._end_of_line()

    def _header(self) -> dict[str, Any]:
        text = self.text
        array = text.startswith("[[", self.pos)
        self.pos += 2 if array else 1
        self._skip_spaces()
        keys = self._key()
        self._skip_spaces()
        closing = "]]" if array else "]"
        if not text.startswith(closing, self.pos):
            raise _Unsupported
        self.pos += len(closing)
        parent = self.root
        for key in keys[:-1]:
            parent = self._descend(parent, key)
        last = keys[-1]
        existing = parent.get(last)
        if array:
            if existing is None:
                existing = parent[last] = []
                self.arrays_of_tables.add(id(existing))
            elif not (isinstance(existing, list) and id(existing) in self.arrays_of_tables):
                raise _Unsupported
            table: dict[str, Any] = {}
            existing.append(table)
            self.kinds[id(table)] = _ARRAY_ELEMENT
            return table
        if existing is None:
            table = parent[last] = {}
            self.kinds[id(table)] = _HEADER
            return table
        if isinstance(existing, dict) and self.kinds.get(id(existing)) == _IMPLICIT:
            self.kinds[id(existing)] = _HEADER
            return existing
        raise _Unsupported  # defined twice, or a value / dotted table / array of tables

    def _descend(self, parent: dict[str, Any], key: str) -> dict[str, Any]:
        """The table ``key`` of ``parent`` on a header's path, created when missing."""
        child = parent.get(key)
        if child is None:
            child = parent[key] = {}
            self.kinds[id(child)] = _IMPLICIT
            return child
        if isinstance(child, list) and id(child) in self.arrays_of_tables:
            last: dict[str, Any] = child[-1]
            return last
        if isinstance(child, dict) and self.kinds.get(id(child)) in (
            _HEADER,
            _IMPLICIT,
            _DOTTED,
            _ARRAY_ELEMENT,
        ):
            return child
        raise _Unsupported

    def _key_value(self, table: dict[str, Any]) -> None:
        keys = self._key()
        self._skip_spaces()
        if self.text[self.pos] != "=":
            raise _Unsupported
        self.pos += 1
        self._skip_spaces()
        value = self._value()
        for key in keys[:-1]:
            child = table.get(key)
            if child is None:
                child = table[key] = {}
                self.kinds[id(child)] = _DOTTED
            elif not (isinstance(child, dict) and self.kinds.get(id(child)) == _DOTTED):
                raise _Unsupported  # a value, or a table defined another way
            table = child
        if keys[-1] in table:
            raise _Unsupported  # duplicate key
        table[keys[-1]] = value

    # -- keys ---------------------------------------------------------------------------
    def _key(self) -> list[str]:
        keys = [self._simple_key()]
        while True:
            self._skip_spaces()
            if self.text[self.pos] != ".":
                return keys
            self.pos += 1
            self._skip_spaces()
            keys.append(self._simple_key())

    def _simple_key(self) -> str:
        quoted = self._string()
        if quoted is not None:
            return quoted
        text = self.text
        start = self.pos
        while self.pos < len(text) and text[self.pos] in _BARE_KEY:
            self.pos += 1
        if self.pos == start:
            raise _Unsupported
        return text[start : self.pos]

    # -- values -------------------------------------------------------------------------
    def _value(self) -> Any:
        quoted = self._string()
        if quoted is not None:
            return quoted
        text = self.text
        char = text[self.pos]
        if char == "[":
            return self._array()
        if char == "{":
            return self._inline_table()
        if text.startswith("true", self.pos):
            self.pos += 4
            self._after_scalar()
            return True
        if text.startswith("false", self.pos):
            self.pos += 5
            self._after_scalar()
            return False
        return self._number()

    def _string(self) -> Optional[str]:
        """The basic or literal string starting here, or None when none does."""
        char = self.text[self.pos]
        if char == '"':
            return self._basic_string()
        if char == "'":
            return self._literal_string()
        return None

    def _after_scalar(self) -> None:
        # "truex", "12abc": not the value it starts like.
        if self.pos < len(self.text) and self.text[self.pos] not in " \t\n#,]}":
            raise _Unsupported

    def _number(self) -> Any:
        text = self.text
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in " \t\n#,]}":
            self.pos += 1
        token = text[start : self.pos]
        digits = token[1:] if token[:1] in "+-" else token
        whole, dot, fraction = digits.partition(".")
        if not whole or not _DIGITS.issuperset(whole) or (len(whole) > 1 and whole[0] == "0"):
            raise _Unsupported  # dates, hex/octal/binary, underscores, inf/nan, garbage
        if not dot:
            return int(token)
        if not fraction or not _DIGITS.issuperset(fraction):
            raise _Unsupported  # exponents and the like
        return float(token)

    def _basic_string(self) -> str:
        text = self.text
        if text.startswith('"""', self.pos):
            raise _Unsupported  # multi-line strings: tomllib
        self.pos += 1
        parts: list[str] = []
        start = self.pos
        while True:
            char = text[self.pos]
            if char == '"':
                parts.append(text[start : self.pos])
                self.pos += 1
                return "".join(parts)
            if char == "\n":
                raise _Unsupported
            if char == "\\":
                parts.append(text[start : self.pos])
                parts.append(self._escape())
                start = self.pos
                continue
            self.pos += 1

    def _escape(self) -> str:
        text = self.text
        code = text[self.pos + 1]
        if code in _ESCAPES:
            self.pos += 2
            return _ESCAPES[code]
        width = {"u": 4, "U": 8}.get(code)
        if width is None:
            raise _Unsupported
        digits = text[self.pos + 2 : self.pos + 2 + width]
        if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise _Unsupported
        value = int(digits, 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise _Unsupported
        self.pos += 2 + width
        return chr(value)

    def _literal_string(self) -> str:
        text = self.text
        if text.startswith("'''", self.pos):
            raise _Unsupported
        end = text.find("'", self.pos + 1)
        newline = text.find("\n", self.pos + 1)
        if end < 0 or (0 <= newline < end):
            raise _Unsupported
        value = text[self.pos + 1 : end]
        self.pos = end + 1
        return value

    def _array(self) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while True:
            self._skip_blank_lines()
            if self.text[self.pos] == "]":
                self.pos += 1
                return items
            items.append(self._value())
            self._skip_blank_lines()
            char = self.text[self.pos]
            if char == ",":
                self.pos += 1
            elif char != "]":
                raise _Unsupported

    def _inline_table(self) -> dict[str, Any]:
        self.pos += 1
        table: dict[str, Any] = {}
        self.kinds[id(table)] = _FROZEN
        self._skip_spaces()
        if self.text[self.pos] == "}":
            self.pos += 1
            return table
        while True:
            self._skip_spaces()
            self._key_value(table)
            self._skip_spaces()
            char = self.text[self.pos]
            self.pos += 1
            if char == "}":
                break
            if char != ",":
                raise _Unsupported  # newline, trailing comma (TOML 1.0), garbage
        self._freeze(table)
        return table

    def _freeze(self, table: dict[str, Any]) -> None:
        # Dotted keys inside an inline table made sub-tables: nothing may extend them.
        for value in table.values():
            if isinstance(value, dict):
                self.kinds[id(value)] = _FROZEN
                self._freeze(value)

    # -- whitespace and comments --------------------------------------------------------
    def _skip_spaces(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t":
            self.pos += 1

    def _skip_blank_lines(self) -> None:
        """Spaces, newlines and comments."""
        self.pos = skip_blank(self.text, self.pos, newlines=True)

    def _end_of_line(self) -> None:
        self._skip_spaces()
        text = self.text
        if self.pos >= len(text):
            return
        if text[self.pos] == "#":
            end = text.find("\n", self.pos)
            self.pos = len(text) if end < 0 else end
        if self.pos < len(text) and text[self.pos] != "\n":
            raise _Unsupported
