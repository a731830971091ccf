"""The METADATA header reader against ``email.parser`` (compat32), the spec's reference.

The Core Metadata spec says the format is what ``email.parser`` reads with the
``compat32`` policy, so every case compares :func:`read_headers` with it: every recorded
METADATA file under ``fixtures/index`` plus hand-written folded and malformed headers.
"""

from __future__ import annotations

import email.parser
from pathlib import Path

import pytest

from torchenv.resolve.metadata import (
    ExtraLine,
    RequirementLine,
    dependency_fields,
    dependency_lines,
    read_headers,
    requirement_line,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "index"
RECORDED = sorted(
    path
    for path in FIXTURES.rglob("*")
    if path.is_file() and (path.suffix == ".metadata" or path.name == "METADATA")
)


def _email_headers(text: str) -> list[tuple[str, str]]:
    message = email.parser.Parser().parsestr(text, headersonly=True)
    return [(name, str(value)) for name, value in message.items()]


def test_fixtures_hold_metadata_files() -> None:
    # The differential test below is only as good as the files it reads.
    assert len(RECORDED) > 50


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_recorded_metadata_reads_like_email_parser(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    headers = read_headers(text)
    assert headers == _email_headers(text)
    assert any(name.lower() == "name" for name, _ in headers)


ODD_HEADERS = {
    "folded value": "Name: demo\nSummary: one\n  two\n\tthree\nVersion: 1\n\nbody",
    "crlf": "Name: demo\r\nRequires-Dist: a>=1\r\n  ; extra == 'x'\r\n\r\nbody\r\n",
    "bare cr": "Name: demo\rRequires-Dist: b\r\rbody",
    "no blank line before body": "Name: demo\nVersion: 1\nThis is the body: with a colon\n",
    "body line without colon": "Name: demo\nnot a header\nVersion: 2\n",
    "no body, no final newline": "Name: demo\nRequires-Dist: c",
    "empty value": "Name: demo\nRequires-Python:\nRequires-Python: >=3.9\n",
    "value spacing": "Name:   demo  \nSummary:\t tabbed\n",
    "continuation first": "  orphan\nName: demo\n",
    "envelope line first": "From someone Mon Jan 1\nName: demo\n",
    "envelope line inside": "Name: demo\nFrom x\n  lost continuation\nVersion: 1\n",
    "envelope line last": "Name: demo\nVersion: 1\nFrom x\n\nbody",
    "missing field name": "Name: demo\n: no name\nVersion: 1\n",
    "space in field name": "Name: demo\nBad Name: x\nVersion: 1\n",
    "colon in value": "Name: demo\nProject-URL: Home, https://example.org/a:b\n",
    "repeated fields": "Requires-Dist: a\nrequires-dist: b\nREQUIRES-DIST: c\n",
    "form feed kept in value": "Name: demo\x0c\nSummary: x\x0by\n",
    "unicode": "Name: démo\nAuthor: Zoë ☃\n",
    "continuation with crlf": "Summary: a\r\n b\r\n\r\n",
    "trailing blank lines": "Name: demo\n\n\n\n",
    "empty": "",
    "only blank": "\n",
    "non-ascii field name": "Nämé: demo\nVersion: 1\n",
}


@pytest.mark.parametrize("text", ODD_HEADERS.values(), ids=list(ODD_HEADERS))
def test_odd_headers_read_like_email_parser(text: str) -> None:
    assert read_headers(text) == _email_headers(text)


def test_folded_value_keeps_line_breaks() -> None:
    assert read_headers("Summary: one\n  two\n\n") == [("Summary", "one\n  two")]


def test_dependency_lines() -> None:
    raw = (
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        b"Requires-Python: >=3.9\nRequires-Python: >=3.12\n"
        b"Requires-Dist: Typing_Extensions>=4.10.0\n"
        b"Requires-Dist: numpy[dev]; extra == 'Opt_Deps'\n"
        b"Requires-Dist: colorama; sys_platform == 'win32' and extra == 'opt'\n"
        b"Requires-Dist: this is ( not valid\n"
        b"Requires-Dist: wheel @ https://x.test/w.whl;extra=='x'\n"
        b"\nRequires-Dist: body-not-a-header\n"
    )
    metadata = dependency_lines(raw)
    assert metadata.requires_python == ">=3.9"  # the first one, like Message.get
    plain, optional, windows, url = metadata.requirements
    assert isinstance(plain, RequirementLine) and plain.name == "typing-extensions"
    assert str(plain.specifier) == ">=4.10.0"
    assert plain.marker is None and plain.marker_text == ""
    # A line gated by one extra stays text until that extra is asked for.
    assert optional == ExtraLine("numpy[dev]; extra == 'Opt_Deps'", "opt-deps")
    parsed = requirement_line(optional.text)
    assert parsed is not None and parsed.extras == frozenset({"dev"})
    assert parsed.marker_text == 'extra == "opt-deps"'
    assert isinstance(windows, RequirementLine)
    assert windows.marker_text == 'sys_platform == "win32" and extra == "opt"'
    # In a URL requirement the ";" belongs to the URL: no marker, not an extra line.
    assert isinstance(url, RequirementLine) and url.marker is None
    assert requirement_line("this is ( not valid") is None
    # Parsed once per process: the same bytes give the same object.
    assert dependency_lines(bytes(raw)) is metadata


def test_dependency_lines_without_requires_python() -> None:
    metadata = dependency_lines(b"Name: demo\nVersion: 1\n")
    assert metadata.requires_python is None
    assert metadata.requirements == ()


# What dependency_fields' two patterns could get wrong that read_headers does right.
ODD_DEPENDENCY_FIELDS = {
    "after an envelope line": "From x\nRequires-Dist: a\n",
    "continuation after envelope": "Requires-Dist: a\nFrom x\n b\nRequires-Dist: c\n",
    "space before colon": "Requires-Dist : a\nRequires-Python :>=3\n",
    "longer name": "Requires-Dist-Extra: a\nRequires-Pythonic: b\nX-Requires-Dist: c\n",
    "folded requirement": "Requires-Dist: a\n  >=1;\n\tpython_version < '3.12'\nName: x\n",
    "folded, crlf": "Requires-Dist: a\r\n >=1\r\nRequires-Python:\r\n >=3.9\r\n\r\n",
    "bare cr between fields": "Requires-Dist: a\rRequires-Dist: b\r\rRequires-Dist: c",
    "only a continuation": "Requires-Dist:\n  b\n",
    "blank value": "Requires-Dist:   \t\nRequires-Python:",
    "in the body": "Name: x\n\nRequires-Dist: body\n",
    "after a body line without colon": "Name: x\nbody line\nRequires-Dist: b\n",
    "after a non-ascii line": "Nämé: x\nRequires-Dist: b\n",
    "look-alike letters": "REQUIRES-PYTHON: >=3\nRequire\u017f-Dist: a\nRequ\u0131res-Dist: b\n",
    "continuation ends the block": "Requires-Dist: a\n b\nnot a header\n c\n",
    "no final newline": "Name: x\nRequires-Dist: a\n b",
    "starts with a continuation": " Requires-Dist: a\nRequires-Dist: b\n",
    "form feed": "Requires-Dist: a\x0c\nRequires-Dist: b\x0bc\n",
}


@pytest.mark.parametrize(
    "text",
    [*ODD_HEADERS.values(), *ODD_DEPENDENCY_FIELDS.values()],
    ids=[*ODD_HEADERS, *ODD_DEPENDENCY_FIELDS],
)
def test_dependency_fields_are_those_read_headers_gives(text: str) -> None:
    expected = [
        (name.lower(), value)
        for name, value in read_headers(text)
        if name.lower() in ("requires-dist", "requires-python")
    ]
    assert dependency_fields(text) == expected


def test_recorded_dependency_fields_are_those_read_headers_gives() -> None:
    seen = 0
    for path in RECORDED:
        text = path.read_bytes().decode("utf-8", "replace")
        expected = [
            (name.lower(), value)
            for name, value in read_headers(text)
            if name.lower() in ("requires-dist", "requires-python")
        ]
        assert dependency_fields(text) == expected, path
        seen += len(expected)
    assert seen > 300
