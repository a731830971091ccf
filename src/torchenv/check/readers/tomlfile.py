"""Shared by the TOML readers: parse with tomllib, locate with the scanner."""

from __future__ import annotations

import re
import sys

from torchenv.check.model import Position
from torchenv.check.readers.tomlpos import locate
from torchenv.errors import InputError
from torchenv.tomlsubset import parse_subset

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from torchenv.check.readers.tomlpos import KeyPath

__all__ = ["TomlFile", "load_toml"]


class TomlFile:
    """A parsed TOML document plus the positions of its values."""

    def __init__(
        self, data: dict[str, Any], positions: dict[KeyPath, Position], path: str = ""
    ) -> None:
        self.data = data
        self.positions = positions
        self.path = path

    def get(self, *path: str) -> Any:
        node: Any = self.data
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def table(self, *path: str) -> dict[str, Any]:
        """The table at ``path`` ({} when absent); InputError when it is another type."""
        value = self.get(*path)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.wrong_type(path, "a table")
        return value

    def array(self, *path: str) -> list[Any]:
        """The array at ``path`` ([] when absent); InputError when it is another type."""
        value = self.get(*path)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.wrong_type(path, "an array")
        return value

    def wrong_type(self, path: tuple[object, ...], expected: str) -> InputError:
        dotted = ".".join(str(p) for p in path)
        return InputError(self.path, f"{dotted} must be {expected}", self.position(*path).line)

    def position(self, *path: object) -> Position:
        """Where ``path`` is, else its nearest located ancestor, else line 1."""
        key: KeyPath = tuple(path)  # type: ignore[arg-type]
        while key:
            found = self.positions.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return Position(1, 1)


def load_toml(text: str, path: str) -> TomlFile:
    data = parse_subset(text)
    if data is None:
        data = _load_with_tomllib(text, path)
    return TomlFile(data, locate(text), path)


def _load_with_tomllib(text: str, path: str) -> dict[str, Any]:
    """The authority for everything the subset parser declines (and for every error)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line: Optional[int] = getattr(error, "lineno", None)
        if line is None:
            match = re.search(r"line (\d+)", str(error))
            line = int(match.group(1)) if match else None
        message = str(error).split(" (at ")[0]
        raise InputError(path, f"invalid TOML: {message}", line) from None
    return data
