"""PEP 503 HTML parsing on real download.pytorch.org anchors and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchenv.errors import IndexError_
from torchenv.index.models import Link, ProjectPage
from torchenv.index.pages import parse_html_page, parse_project_page, project_name_from_url

# Verbatim copies of real download.pytorch.org anchors (see PROVENANCE.md there).
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "samples"


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


CU128_PAGE = "https://download.pytorch.org/whl/cu128/torch/"


def _sample_rows(name: str) -> list[list[str]]:
    text = _sample(name)
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def test_uv13195_cu128_anchors_parse_exactly() -> None:
    page = parse_html_page(_sample("uv13195-torch-cu128-2.7.0.html"), CU128_PAGE)
    assert page.name == "torch"
    assert len(page) == 18
    rows = {row[0]: row for row in _sample_rows("torch-cu128-2.7.0.txt")}
    assert {link.filename for link in page.links} == set(rows)
    for link in page.links:
        _, sha, _, _, url = rows[link.filename]
        assert link.url == "https://download.pytorch.org" + url.split("#")[0]
        assert link.sha256 == (None if sha == "-" else sha)
        assert "%2B" in link.url and "+" in link.filename
        assert link.metadata_hashes is not None and "sha256" in link.metadata_hashes
        assert link.requires_python is None and link.yanked is None
        assert link.size is None and link.upload_time is None


def test_aarch64_wheels_lack_file_hash_but_keep_metadata_hash() -> None:
    page = parse_html_page(_sample("uv13195-torch-cu128-2.7.0.html"), CU128_PAGE)
    link = page.link("torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_aarch64.whl")
    assert link is not None
    assert link.hashes == {}
    # The metadata digest covers the .metadata sidecar, never the wheel.
    assert link.metadata_hashes == {
        "sha256": "86107f52ff49e63a75c9d345374cac30140e053a12ffa728d676fee836e69022"
    }
    assert link.metadata_url == (
        "https://download.pytorch.org/whl/cu128/"
        "torch-2.7.0%2Bcu128-cp311-cp311-manylinux_2_28_aarch64.whl.metadata"
    )


def test_absolute_href_on_other_host() -> None:
    page = parse_html_page(_sample("pytorch181056-torch-cu128-2.11.0-anchor.html"), CU128_PAGE)
    (link,) = page.links
    assert link.url.startswith("https://download-r2.pytorch.org/whl/cu128/torch-2.11.0%2Bcu128")
    assert link.filename == "torch-2.11.0+cu128-cp310-cp310-manylinux_2_28_x86_64.whl"
    assert link.hashes == {}


def test_relative_href_with_hash_and_metadata() -> None:
    page = parse_html_page(
        _sample("pytorch164347-torch-cu126-2.6.0-anchor.html"),
        "https://download.pytorch.org/whl/cu126/torch/",
    )
    (link,) = page.links
    assert link.sha256 == "c55280b4da58e565d8a25e0e844dc27d0c96aaada7b90b4de70a45397faf604e"
    assert link.url == (
        "https://download.pytorch.org/whl/cu126/"
        "torch-2.6.0%2Bcu126-cp310-cp310-manylinux_2_28_x86_64.whl"
    )


def test_nightly_aggregate_full_page() -> None:
    page = parse_html_page(
        _sample("test-infra-nightly-aggregate.html"),
        "https://download.pytorch.org/whl/nightly/torch/",
    )
    assert page.name == "torch"
    rows = _sample_rows("torch-nightly-aggregate-dev.txt")
    assert [link.filename for link in page.links] == [row[0] for row in rows]
    assert all(not link.hashes and link.metadata_hashes is None for link in page.links)
    assert page.links[4].url == (
        "https://download.pytorch.org/whl/nightly/rocm5.3/"
        "torch-2.0.0.dev20230206%2Brocm5.3-cp39-cp39-linux_x86_64.whl"
    )


def test_pep503_attributes_unescaped() -> None:
    text = """<!DOCTYPE html><html><body><h1>Links for networkx</h1>
    <a href="https://files.example/networkx-3.4.2-py3-none-any.whl#sha256=ABCDEF01"
       data-requires-python="&gt;=3.10" data-yanked="" >networkx-3.4.2-py3-none-any.whl</a><br/>
    <a href='networkx-3.3.tar.gz#md5=00ff' data-yanked="broken &amp; withdrawn"
       data-dist-info-metadata="true"
       data-upload-time="2024-04-06T12:00:00Z">networkx-3.3.tar.gz</a>
    <a href="../">parent</a>
    </body></html>"""
    page = parse_html_page(text, "https://mirror.example/simple/networkx/")
    first, second = page.links
    assert first.requires_python == ">=3.10"
    assert first.yanked == "" and first.is_yanked
    assert first.hashes == {"sha256": "abcdef01"}
    assert second.url == "https://mirror.example/simple/networkx/networkx-3.3.tar.gz"
    assert second.hashes == {"md5": "00ff"}
    assert second.yanked == "broken & withdrawn"
    assert second.metadata_hashes == {}
    assert second.upload_time == "2024-04-06T12:00:00Z"
    assert len(page) == 2  # "../" is not a distribution file


def test_core_metadata_preferred_and_false_means_absent() -> None:
    text = (
        '<a href="a-1.0-py3-none-any.whl" data-dist-info-metadata="sha256=11"'
        ' data-core-metadata="sha256=22">a-1.0-py3-none-any.whl</a>'
        '<a href="a-1.1-py3-none-any.whl" data-core-metadata="false">x</a>'
    )
    page = parse_html_page(text, "https://i.example/simple/a/")
    assert page.links[0].metadata_hashes == {"sha256": "22"}
    assert page.links[1].metadata_hashes is None
    assert page.links[1].filename == "a-1.1-py3-none-any.whl"


def test_base_tag_and_unquoted_attributes() -> None:
    text = (
        '<html><head><base href="https://cdn.example/files/"></head><body>'
        "<A HREF=b-2.0.tar.gz#sha256=aa>b-2.0.tar.gz</A></body></html>"
    )
    page = parse_html_page(text, "https://i.example/simple/b/")
    assert page.links[0].url == "https://cdn.example/files/b-2.0.tar.gz"
    assert page.links[0].sha256 == "aa"


def test_unescaped_gt_inside_quoted_attribute() -> None:
    text = '<a href="c-1.0.tar.gz" data-requires-python=">=3.9">c-1.0.tar.gz</a>'
    (link,) = parse_html_page(text, "https://i.example/simple/c/").links
    assert link.requires_python == ">=3.9"


def test_page_without_files_is_empty_project() -> None:
    page = parse_html_page(
        "<!DOCTYPE html><html><body><h1>Links for d</h1></body></html>",
        "https://i.example/simple/d/",
    )
    assert page == ProjectPage(name="d", url="https://i.example/simple/d/", links=())


def test_garbage_without_tags_raises_naming_url_without_credentials() -> None:
    with pytest.raises(IndexError_) as info:
        parse_html_page("\x00\x01 upstream connect error", "https://u:secret@i.example/simple/e/")
    message = str(info.value)
    assert "i.example/simple/e/" in message
    assert "secret" not in message


def test_project_name_from_url_variants() -> None:
    assert project_name_from_url("https://pypi.org/simple/Typing_Extensions/") == (
        "typing-extensions"
    )
    assert project_name_from_url("file:///mirror/torch/index.html") == "torch"
    assert project_name_from_url("https://download.pytorch.org/whl/cu128/torch") == "torch"


def test_dispatch_on_content_type_and_charset() -> None:
    html_body = '<a href="f-1.0.tar.gz">f-1.0.tar.gz</a>'.encode("latin-1")
    page = parse_project_page(
        html_body, "text/html; charset=latin-1", "https://i.example/simple/f/"
    )
    assert page.links[0].filename == "f-1.0.tar.gz"
    json_body = b'{"meta": {"api-version": "1.1"}, "name": "f", "files": []}'
    page = parse_project_page(
        json_body, "application/vnd.pypi.simple.v1+json", "https://i.example/simple/f/"
    )
    assert page.name == "f" and page.links == ()


def test_link_is_hashable_and_frozen() -> None:
    link = Link(filename="g-1.0.tar.gz", url="https://x/g-1.0.tar.gz", hashes={"sha256": "aa"})
    assert link in {link}
    with pytest.raises(AttributeError):
        link.url = "other"  # type: ignore[misc]


# Page URLs and href forms every parser change must join exactly as urljoin does
# (tests/test_index_pages_equivalence.py runs them through the previous parser too).
PAGE_URLS = [
    "https://pypi.org/simple/demo/",
    "http://127.0.0.1:8000/simple/demo/",
    "https://host/simple/demo",  # no trailing slash: the last segment is replaced
    "https://host/simple/demo/?page=2",
    "file:///srv/mirror/demo/",
]
HREFS = [
    "demo-1.0-py3-none-any.whl",
    "torch-2.7.0%2Bcpu-cp311-cp311-win_amd64.whl",
    "torch-2.7.0+cpu-cp311-cp311-win_amd64.whl",
    "../../packages/ab/cd/demo-1.0-py3-none-any.whl",
    "./demo-1.0-py3-none-any.whl",
    "files/../demo-1.0-py3-none-any.whl",
    "/packages/demo-1.0-py3-none-any.whl",
    "//files.example/demo-1.0-py3-none-any.whl",
    "c:demo-1.0-py3-none-any.whl",
    "a\\demo-1.0-py3-none-any.whl",
]


@pytest.mark.parametrize("page_url", PAGE_URLS)
@pytest.mark.parametrize("href", HREFS)
def test_hrefs_resolve_like_urljoin(page_url: str, href: str) -> None:
    # Bare file names take a fast path (no urljoin); every form must match urljoin.
    from urllib.parse import urljoin

    html = f'<html><body><a href="{href}#sha256=ab12">x.whl</a></body></html>'
    (link,) = parse_html_page(html, page_url, "demo").links
    assert link.url == urljoin(page_url, href)


def test_unclosed_anchors_cost_linear_time() -> None:
    # A nested repeat ((?:[^>"']+|...)*) once made each "<a" without "</a>" backtrack
    # over every split of its attribute text: hours for one such line. Run in a child
    # process so that a regression fails on the timeout instead of hanging the suite.
    import subprocess
    import sys

    script = (
        "from torchenv.index.pages import parse_html_page\n"
        "line = '<a href=\"x-1.0.tar.gz\" ' + 'z' * 40 + ' title=\"t\" ' + 'w' * 40 + '>x<br>'\n"
        "page = parse_html_page('<html>' + line * 300, 'https://i.example/simple/x/')\n"
        "print(len(page.links))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "0"


def test_parsing_usual_pages_does_not_import_html() -> None:
    # html (with its html.entities table) costs ~2 ms of every lock start; the entities
    # index pages use are decoded without it, anything rarer imports it when met.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from torchenv.index.pages import parse_html_page\n"
        'anchor = \'<a href="d-1.0.tar.gz#sha256=ab" data-requires-python="&gt;=3.9"\'\n'
        "anchor += ' data-yanked=\"&quot;bad&quot; &amp; &#39;old&#x27; &lt;\">d-1.0.tar.gz</a>'\n"
        "page = parse_html_page(anchor, 'https://i.example/simple/d/')\n"
        "before = 'html' in sys.modules\n"
        "rare = parse_html_page(anchor.replace('&gt;', '&#62;'), 'https://i.example/simple/d/')\n"
        "print(before, 'html' in sys.modules, page.links[0].yanked, rare == page)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.split() == ["False", "True", '"bad"', "&", "'old'", "<", "True"]
