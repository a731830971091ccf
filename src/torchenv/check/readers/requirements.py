"""requirements.txt / .in (and the ``pip:`` list of environment.yml): pip's line format.

Handles ``-r``/``-c`` includes, ``-i``/``--index-url``, ``--extra-index-url``,
``-f``/``--find-links`` (both ``--opt value`` and ``--opt=value``), per-requirement
options such as ``--hash``, markers, ``\\`` continuations, comments, ``${VAR}``
placeholders (kept as written: ``check`` never reads the environment), bare wheel URLs
and ``name @ url`` requirements.
"""

from __future__ import annotations

import re

from torchenv.check.model import Document, Include, IndexRef, Requirement
from torchenv.check.pep508 import parse_requirement, wheel_name_version
from torchenv.check.textlines import (
    LogicalLine,
    inline_ignores,
    join_continuations,
    spread_ignores,
)
from torchenv.errors import InputError

__all__ = ["LineItems", "parse_pip_line", "read_requirements"]

# option -> role; every spelling pip accepts in a requirements file.
_INDEX_OPTIONS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
}
_INCLUDE_OPTIONS = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_FLAG_OPTIONS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes", "--no-deps"}
_COMMENT = re.compile(r"(^|\s)#.*$")
_OPTION_START = re.compile(r"\s--?[A-Za-z]")
_OPTION = re.compile(r"^(--?[A-Za-z][A-Za-z0-9-]*)(?:=|\s+|$)(.*)$")


class LineItems:
    """What a run of requirement lines declared so far (a builder, hence mutable)."""

    def __init__(self) -> None:
        self.requirements: list[Requirement] = []
        self.indexes: list[IndexRef] = []
        self.includes: list[Include] = []


def _strip_comment(text: str) -> str:
    return _COMMENT.sub("", text).rstrip()


def parse_pip_line(
    logical: LogicalLine, path: str, items: LineItems, *, tool: str = "pip", offset: int = 0
) -> None:
    """Add what one logical requirements line declares to ``items`` (InputError if bad).

    ``offset`` skips a prefix of ``logical.text`` (the ``- `` of a YAML list item).
    """
    text = _strip_comment(logical.text)
    body = text[offset:]
    stripped = body.lstrip()
    if not stripped:
        return
    start = offset + len(body) - len(stripped)
    if stripped.startswith("-"):
        _parse_option(logical, path, items, stripped, start, tool)
        return
    # Per-requirement options (--hash=..., --config-settings) follow the requirement.
    option = _OPTION_START.search(stripped)
    requirement_text = stripped[: option.start()] if option else stripped
    position = logical.position(start)
    wheel = wheel_name_version(requirement_text.strip())
    if wheel is not None and "@" not in requirement_text:
        name, version = wheel
        items.requirements.append(
            Requirement(name, "==" + version, position, url=requirement_text.strip(), path=path)
        )
        return
    if re.match(r"^(\.|/|[a-z+]+://|git\+)", requirement_text):
        return  # a local path or VCS checkout: nothing torch-specific to judge
    try:
        parsed = parse_requirement(requirement_text)
    except ValueError as error:
        raise InputError(path, f"{error}", position.line) from None
    specifier = parsed.specifier
    if parsed.url:
        wheel = wheel_name_version(parsed.url)
        if wheel is not None:
            specifier = "==" + wheel[1]
    items.requirements.append(
        Requirement(
            parsed.name, specifier, position, marker=parsed.marker, url=parsed.url, path=path
        )
    )


def _parse_option(
    logical: LogicalLine, path: str, items: LineItems, text: str, start: int, tool: str
) -> None:
    match = _OPTION.match(text)
    name, value = (match.group(1), match.group(2)) if match else (text, "")
    glued = name[:2]
    if (
        name not in _INDEX_OPTIONS
        and not name.startswith("--")
        and (glued in _INDEX_OPTIONS or glued in _INCLUDE_OPTIONS)
    ):
        name, value = glued, text[2:]  # "-ihttps://..." / "-rbase.txt"
    name = name.strip()
    value = value.strip()
    if name in _FLAG_OPTIONS or name in ("-e", "--editable"):
        return
    if name not in _INDEX_OPTIONS and name not in _INCLUDE_OPTIONS:
        return  # --trusted-host, --only-binary, ...: not judged
    if not value:
        raise InputError(path, f"option {name} needs a value", logical.line)
    if "'" in value or '"' in value or "\\" in value:
        # Quoted or escaped: unquote as pip's shell-like split does (shlex is imported
        # only here; a plain URL or path needs none of it).
        import shlex

        try:  # noqa: SIM105 (contextlib.suppress would cost an import on every run)
            value = shlex.split(value)[0]
        except ValueError:
            pass
    else:
        value = value.split()[0]
    position = logical.position(start + text.find(value) if value in text else start)
    if name in _INDEX_OPTIONS:
        items.indexes.append(IndexRef(value, _INDEX_OPTIONS[name], position, tool=tool, path=path))
    else:
        items.includes.append(Include(value, _INCLUDE_OPTIONS[name], position))


def read_requirements(text: str, path: str) -> Document:
    items = LineItems()
    lines = join_continuations(text)
    for logical in lines:
        parse_pip_line(logical, path, items)
    return Document(
        path=path,
        kind="requirements",
        requirements=tuple(items.requirements),
        indexes=tuple(items.indexes),
        includes=tuple(items.includes),
        ignores=spread_ignores(inline_ignores(text), lines),
    )
