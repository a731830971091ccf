"""Splice torchenv's uv tables into an existing pyproject.toml, leaving the rest alone.

A text splicer, not a TOML round-trip: bytes outside the replaced keys and tables are
kept exactly (comments, ordering, quoting). Statement boundaries are found by asking
``tomllib`` whether the text so far parses, so multi-line arrays and strings that
happen to contain ``[`` or ``key =`` are never mistaken for headers or keys. The
result is parsed again and compared with what was meant before anyone writes it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any, Optional

from torchenv.errors import InputError
from torchenv.export.uv import UvTables

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]

__all__ = ["splice_uv"]

_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\[\]#]+?)[ \t]*(\]\]?)[ \t]*(#.*)?$")


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _headers(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(line number, dotted name, is array-of-tables) of every real table header."""
    found = []
    for number, line in enumerate(lines):
        match = _HEADER.match(line.rstrip("\r\n"))
        if not match or len(match.group(1)) != len(match.group(3)):
            continue
        # a real header starts a statement; a "[x]" line inside a multi-line array does not
        if _statement_start(lines, number):
            name = re.sub(r"\s*\.\s*", ".", match.group(2).strip())
            found.append((number, name, len(match.group(1)) == 2))
    return found


def _statement_start(lines: list[str], number: int) -> bool:
    """A prefix of a valid file that ends before a statement is itself valid TOML."""
    return _parses("".join(lines[:number]))


def _table_span(lines: list[str], headers: list[tuple[int, str, bool]], at: int) -> int:
    """End line (exclusive) of the table whose header is on line ``at``."""
    following = [n for n, _, _ in headers if n > at]
    return following[0] if following else len(lines)


def _set_keys(text: str, table: str, values: Mapping[str, str]) -> str:
    """Replace or add ``key = value`` lines of ``[table]``; add the table if absent."""
    lines = text.splitlines(keepends=True)
    headers = _headers(lines)
    spots = [n for n, name, array in headers if name == table and not array]
    if not spots:
        body = "".join(f"{k} = {v}\n" for k, v in values.items())
        joiner = "" if not text or text.endswith("\n") else "\n"
        return text + joiner + ("\n" if text else "") + f"[{table}]\n" + body
    start = spots[0] + 1
    end = _table_span(lines, headers, spots[0])
    pending = dict(values)
    out = lines[:start]
    number = start
    while number < end:
        line = lines[number]
        key = _assigned_key(line)
        if key is not None and key in pending:
            stop = number + 1
            while stop < end and not _parses("".join(lines[number:stop])):
                stop += 1
            out.append(f"{key} = {pending.pop(key)}\n")
            number = stop
            continue
        out.append(line)
        number += 1
    # new keys go after the last non-blank line of the table
    insert_at = len(out)
    while insert_at > start and not out[insert_at - 1].strip():
        insert_at -= 1
    if insert_at and not out[insert_at - 1].endswith("\n"):
        out[insert_at - 1] += "\n"
    out[insert_at:insert_at] = [f"{k} = {v}\n" for k, v in pending.items()]
    return "".join(out + lines[end:])


def _assigned_key(line: str) -> Optional[str]:
    match = re.match(r"^[ \t]*(\"[^\"]+\"|'[^']+'|[A-Za-z0-9_-]+)[ \t]*=", line)
    return match.group(1).strip("\"'") if match else None


def _replace_indexes(text: str, indexes: tuple[tuple[str, str], ...], render: str) -> str:
    """Drop ``[[tool.uv.index]]`` entries named pytorch-*, put ours where the first was."""
    lines = text.splitlines(keepends=True)
    headers = _headers(lines)
    keep: list[str] = []
    insert_at: Optional[int] = None
    last_index_end: Optional[int] = None
    removed: set[int] = set()
    for number, name, array in headers:
        if not (array and name == "tool.uv.index"):
            continue
        end = _table_span(lines, headers, number)
        body = "".join(lines[number + 1 : end])
        try:
            entry_name = tomllib.loads(body).get("name", "")
        except tomllib.TOMLDecodeError:
            entry_name = ""
        if str(entry_name).startswith("pytorch-"):
            removed.update(range(number, end))
            if insert_at is None:
                insert_at = number
        else:
            last_index_end = end
    for number, line in enumerate(lines):
        if number == insert_at:
            keep.append("\x00")
        if number not in removed:
            keep.append(line)
    if insert_at is None:
        if last_index_end is not None:
            position = last_index_end - len([r for r in removed if r < last_index_end])
            keep.insert(position, "\x00")
        else:
            if keep and not keep[-1].endswith("\n"):
                keep[-1] += "\n"
            keep.append("\x00")
    result = "".join(keep)
    return result.replace("\x00", render.lstrip("\n") if insert_at is not None else render)


def _render_indexes(indexes: tuple[tuple[str, str], ...]) -> str:
    from torchenv.export._text import toml_str

    return "".join(
        f"\n[[tool.uv.index]]\nname = {toml_str(n)}\nurl = {toml_str(u)}\nexplicit = true\n"
        for n, u in indexes
    )


def splice_uv(text: str, tables: UvTables, path: str = "pyproject.toml") -> str:
    """The new pyproject text; raises :class:`InputError` when it cannot be done safely."""
    if not _parses(text):
        raise InputError(path, "not valid TOML: fix it before exporting into it")
    result = _replace_indexes(text, tables.indexes, _render_indexes(tables.indexes) + "\n")
    result = _set_keys(result, "tool.uv.sources", tables.sources)
    if tables.extras:
        result = _set_keys(result, "project.optional-dependencies", tables.extras)
        result = _set_keys(result, "tool.uv", {"conflicts": tables.conflicts})
    try:
        data = tomllib.loads(result)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            path, f"cannot splice the uv tables here ({error}); edit by hand"
        ) from None
    _verify(data, tables, path)
    return result


def _value(text: str) -> Any:
    return tomllib.loads(f"v = {text}")["v"]


def _verify(data: dict[str, Any], tables: UvTables, path: str) -> None:
    uv = data.get("tool", {}).get("uv", {})
    ours = [i for i in uv.get("index", []) if str(i.get("name", "")).startswith("pytorch-")]
    expected = [{"name": n, "url": u, "explicit": True} for n, u in tables.indexes]
    problems = []
    if ours != expected:
        problems.append("tool.uv.index")
    for key, value in tables.sources.items():
        if uv.get("sources", {}).get(key) != _value(value):
            problems.append(f"tool.uv.sources.{key}")
    for key, value in tables.extras.items():
        if data.get("project", {}).get("optional-dependencies", {}).get(key) != _value(value):
            problems.append(f"project.optional-dependencies.{key}")
    if tables.conflicts and uv.get("conflicts") != _value(tables.conflicts):
        problems.append("tool.uv.conflicts")
    if problems:
        raise InputError(path, "cannot splice " + ", ".join(problems) + " here; edit by hand")
