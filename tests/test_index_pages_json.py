"""PEP 691 JSON parsing on the recorded PyPI pages, and the same cases through HTML."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from torchenv.errors import IndexError_
from torchenv.index.pages import parse_html_page, parse_json_page

PYPI = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "pypi"
PAGE = "https://pypi.org/simple/torch/"


def _as_html(document: dict[str, object]) -> str:
    """Render a PEP 691 document as the equivalent PEP 503 page (PyPI's own mapping)."""
    rows = []
    for entry in document["files"]:  # type: ignore[attr-defined]
        href = entry["url"] + "".join(f"#{k}={v}" for k, v in entry["hashes"].items())
        attrs = [f'href="{html.escape(href)}"']
        if entry.get("requires-python"):
            attrs.append(f'data-requires-python="{html.escape(entry["requires-python"])}"')
        if entry.get("yanked"):
            reason = entry["yanked"] if isinstance(entry["yanked"], str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        meta = entry.get("core-metadata")
        if meta:
            value = "true" if meta is True else "sha256=" + meta["sha256"]
            attrs.append(f'data-dist-info-metadata="{value}" data-core-metadata="{value}"')
        rows.append(f"<a {' '.join(attrs)}>{html.escape(entry['filename'])}</a><br/>")
    return "<!DOCTYPE html><html><body>\n" + "\n".join(rows) + "\n</body></html>"


@pytest.fixture(params=["json", "html"])
def torch_page(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    text = (PYPI / "torch" / "index.json").read_text()
    if request.param == "json":
        return parse_json_page(text, PAGE)
    return parse_html_page(_as_html(json.loads(text)), PAGE)


def test_recorded_torch_page(torch_page) -> None:  # type: ignore[no-untyped-def]
    assert torch_page.name == "torch"
    assert len(torch_page) == 24
    link = torch_page.link("torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert link is not None
    assert link.url.startswith("https://files.pythonhosted.org/packages/")
    assert link.requires_python == ">=3.9.0"
    assert link.yanked is None
    assert link.sha256 is not None and len(link.sha256) == 64
    assert link.metadata_hashes is not None and len(link.metadata_hashes["sha256"]) == 64


def test_json_only_fields() -> None:
    page = parse_json_page((PYPI / "torch" / "index.json").read_bytes(), PAGE)
    link = page.link("torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert link is not None and isinstance(link.size, int) and link.size > 100_000_000
    assert link.upload_time is not None and link.upload_time.startswith("2025-04-23")


@pytest.mark.parametrize("project", sorted(p.name for p in PYPI.iterdir() if p.is_dir()))
def test_every_recorded_page_parses_the_same_both_ways(project: str) -> None:
    text = (PYPI / project / "index.json").read_text()
    url = f"https://pypi.org/simple/{project}/"
    from_json = parse_json_page(text, url)
    from_html = parse_html_page(_as_html(json.loads(text)), url)
    assert from_json.name == from_html.name == project
    strip = [
        (x.filename, x.url, dict(x.hashes), x.requires_python, x.yanked) for x in from_json.links
    ]
    assert strip == [
        (x.filename, x.url, dict(x.hashes), x.requires_python, x.yanked) for x in from_html.links
    ]


def test_yanked_and_metadata_variants() -> None:
    document = {
        "meta": {"api-version": "1.1"},
        "name": "x",
        "files": [
            {
                "filename": "x-1.0.tar.gz",
                "url": "../../f/x-1.0.tar.gz",
                "hashes": {},
                "yanked": True,
            },
            {
                "filename": "x-1.1-py3-none-any.whl",
                "url": "x-1.1-py3-none-any.whl#sha256=AB",
                "hashes": {},
                "yanked": "broken",
                "dist-info-metadata": True,
            },
        ],
    }
    page = parse_json_page(json.dumps(document), "https://i.example/simple/x/")
    first, second = page.links
    assert first.yanked == "" and first.url == "https://i.example/f/x-1.0.tar.gz"
    assert second.yanked == "broken" and second.metadata_hashes == {}
    assert second.hashes == {"sha256": "ab"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"meta": {"api-version": "1.1"}, "files": [{"filen', "invalid PEP 691 JSON"),
        ('{"meta": {"api-version": "2.0"}, "files": []}', "unsupported simple API version"),
        ('{"meta": {"api-version": "1.0"}}', "no 'files' list"),
        ('{"files": [{"url": "a"}]}', "lacks 'filename'"),
    ],
)
def test_bad_json_pages(body: str, message: str) -> None:
    with pytest.raises(IndexError_, match=message):
        parse_json_page(body, "https://i.example/simple/x/")
