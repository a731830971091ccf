"""Parse speed of a 5000-anchor PyTorch-shaped page and a 5000-file PEP 691 page.

Run: ``.venv/bin/python benchmarks/bench_index.py``. The HTML page repeats the real
download.pytorch.org anchor shape (fixtures/index/samples/uv13195-torch-cu128-2.7.0.html)
with distinct version numbers; the JSON page repeats the recorded PyPI torch entries.
For comparison it times a minimal stdlib ``html.parser`` collector over the same page.
"""

from __future__ import annotations

import json
import statistics
import time
from html.parser import HTMLParser
from pathlib import Path

from torchenv.index.pages import parse_html_page, parse_json_page

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = (ROOT / "fixtures/index/samples/uv13195-torch-cu128-2.7.0.html").read_text()
PYPI_TORCH = json.loads((ROOT / "fixtures/index/pypi/torch/index.json").read_text())
PAGE_URL = "https://download.pytorch.org/whl/cu128/torch/"
COUNT = 5000


def html_page() -> str:
    lines = [line.strip() for line in ANCHORS.splitlines() if line.strip()]
    body = []
    for index in range(COUNT):
        line = lines[index % len(lines)]
        body.append("    " + line.replace("2.7.0", f"2.{index // len(lines)}.0"))
    return (
        "<!DOCTYPE html>\n<html>\n  <body>\n    <h1>Links for torch</h1>\n"
        + "\n".join(body)
        + "\n  </body>\n</html>\n<!--TIMESTAMP 1675892605-->\n"
    )


def json_page() -> str:
    files = PYPI_TORCH["files"]
    entries = []
    for index in range(COUNT):
        entry = dict(files[index % len(files)])
        entry["filename"] = entry["filename"].replace("2.7.0", f"2.{index // len(files)}.0")
        entries.append(entry)
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "torch", "files": entries})


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def stdlib_collect(text: str) -> int:
    collector = _Collector()
    collector.feed(text)
    return len(collector.anchors)


def median_ms(function: object, argument: str, runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function(argument)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    page = html_page()
    document = json_page()
    assert len(parse_html_page(page, PAGE_URL)) == COUNT
    assert len(parse_json_page(document, "https://pypi.org/simple/torch/")) == COUNT
    regex_ms = median_ms(lambda t: parse_html_page(t, PAGE_URL), page)
    stdlib_ms = median_ms(stdlib_collect, page)
    json_ms = median_ms(lambda t: parse_json_page(t, "https://pypi.org/simple/torch/"), document)
    print(f"HTML page, {COUNT} anchors, {len(page) / 1e6:.1f} MB")
    print(f"  torchenv parse_html_page (Links built): {regex_ms:7.1f} ms median of 15")
    print(f"  stdlib html.parser (anchors only)     : {stdlib_ms:7.1f} ms median of 15")
    print(f"  ratio stdlib / torchenv               : {stdlib_ms / regex_ms:7.2f}x")
    print(f"JSON page, {COUNT} files, {len(document) / 1e6:.1f} MB")
    print(f"  torchenv parse_json_page              : {json_ms:7.1f} ms median of 15")


if __name__ == "__main__":
    main()
