"""`catalog refresh` against fixture pages (fixtures/catalog/whl, built from real samples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from torchenv.catalog import default_catalog_path, load_catalog_file
from torchenv.catalog.refresh import (
    Observations,
    http_fetcher,
    merge,
    observe,
    parse_variant_root,
    platform_of,
    refresh_catalog,
)
from torchenv.cli.main import main
from torchenv.errors import IndexError_

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "catalog"
BASE = "https://download.pytorch.org/whl"


def fixture_transport(as_json: bool = False, root: bool = True) -> httpx.MockTransport:
    """Serve fixtures/catalog/<path>/index.html for https://download.pytorch.org/<path>/."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.strip("/")
        page = PAGES / path / "index.html"
        if not page.is_file() or (path == "whl" and not root):
            return httpx.Response(404, text="Not Found")
        text = page.read_text(encoding="utf-8")
        if as_json and path.count("/") == 2:
            from torchenv.index.pages import parse_html_page

            parsed = parse_html_page(text, str(request.url))
            body = {
                "meta": {"api-version": "1.1"},
                "name": parsed.name,
                "files": [
                    {"filename": link.filename, "url": link.url, "hashes": dict(link.hashes)}
                    for link in parsed.links
                ],
            }
            return httpx.Response(
                200, json=body, headers={"content-type": "application/vnd.pypi.simple.v1+json"}
            )
        return httpx.Response(200, text=text, headers={"content-type": "text/html"})

    return httpx.MockTransport(handler)


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(default_catalog_path()).read_text(encoding="utf-8"))
    return data


def build(data: dict[str, Any], version: str, variant: str, platform: str) -> dict[str, Any]:
    release = next(r for r in data["releases"] if r["version"] == version)
    result: dict[str, Any] = release["variants"][variant]["platforms"][platform]
    return result


def test_parse_variant_root_ignores_project_links() -> None:
    text = (PAGES / "whl" / "index.html").read_text(encoding="utf-8")
    assert parse_variant_root(text) == ["cpu", "cu124", "cu128", "rocm7.2", "xpu"]


@pytest.mark.parametrize(
    ("tag", "platform"),
    [
        ("manylinux_2_28_x86_64", "linux-x86_64"),
        ("linux_aarch64", "linux-aarch64"),
        ("manylinux_2_17_aarch64.manylinux2014_aarch64", "linux-aarch64"),
        ("win_arm64", "windows-arm64"),
        ("macosx_14_0_arm64", "macos-arm64"),
        ("macosx_10_9_x86_64", "macos-x86_64"),
        ("linux_s390x", None),
    ],
)
def test_platform_of(tag: str, platform: str) -> None:
    assert platform_of(tag) == platform


@pytest.mark.parametrize("as_json", [False, True])
def test_refresh_from_fixture_pages(as_json: bool) -> None:
    fetch = http_fetcher(transport=fixture_transport(as_json=as_json))
    merged, summary = refresh_catalog(shipped(), BASE, fetch=fetch, today="2026-11-24")
    assert summary.variants == ["cpu", "cu124", "cu128", "rocm7.2", "xpu"]
    assert summary.wheels > 100
    # torch-cu124-2.5.1.txt: 4 unlabelled linux_aarch64 wheels, CUDA-ness not confirmed.
    aarch = build(merged, "2.5.1", "cu124", "linux-aarch64")
    assert aarch["label"] is False and aarch["platform_tag"] == "linux_aarch64"
    assert aarch["python"] == ["cp39", "cp310", "cp311", "cp312"]
    assert aarch["verified"] is False
    win = build(merged, "2.5.1", "cu124", "windows-x86_64")
    assert "cp313" not in win["python"] and win["verified"] is True
    assert win["cuda_archs"] == build(shipped(), "2.5.1", "cu124", "windows-x86_64")["cuda_archs"]
    # torch-cu128-2.7.0.txt: cp313t on all three platforms; archs kept (hand-curated).
    x86 = build(merged, "2.7.0", "cu128", "linux-x86_64")
    assert x86["python"][-1] == "cp313t" and x86["cuda_archs"][-1] == "12.0"
    assert "refresh" in x86["source"] and "2026-11-24" in x86["source"]
    assert merged["generated_by"].startswith("torchenv catalog refresh --index-url " + BASE)
    # torch-cpu-2.13.0.txt: macOS unlabelled at macosx_14_0, win_arm64 cp311-cp313, s390x skipped.
    mac = build(merged, "2.13.0", "cpu", "macos-arm64")
    assert mac["label"] is False and mac["platform_tag"] == "macosx_14_0_arm64"
    assert build(merged, "2.13.0", "cpu", "windows-arm64")["python"] == ["cp311", "cp312", "cp313"]
    # 2.3.0 cpu macOS: abi 'none'; 2.5.1 macOS companions unlabelled.
    assert build(merged, "2.3.0", "cpu", "macos-arm64")["abi_none"] is True
    assert build(merged, "2.5.1", "cpu", "macos-arm64")["companion_label"] is False
    # Variants not on the fixture index are untouched.
    assert build(merged, "2.7.1", "cu126", "linux-x86_64") == build(
        shipped(), "2.7.1", "cu126", "linux-x86_64"
    )


def test_refresh_probes_known_variants_without_root() -> None:
    fetch = http_fetcher(transport=fixture_transport(root=False))
    _, summary = refresh_catalog(shipped(), BASE, fetch=fetch)
    assert "cu128" in summary.variants and "cu130" in summary.variants
    assert any("/cu130/torch/" in m for m in summary.missing_pages)


def test_refresh_empty_index_is_an_error() -> None:
    empty = httpx.MockTransport(lambda request: httpx.Response(404))
    with pytest.raises(IndexError_):
        refresh_catalog(shipped(), BASE, fetch=http_fetcher(transport=empty))


def test_merge_adds_new_release_with_inherited_archs() -> None:
    """Synthetic filenames (a future 2.16.0) exercise the add-release path of merge()."""
    seen = Observations()
    observe(
        "cu130",
        "torch",
        [
            "torch-2.16.0+cu130-cp312-cp312-manylinux_2_28_x86_64.whl",
            "torch-2.16.0+cu130-cp313-cp313-manylinux_2_28_x86_64.whl",
            "torch-2.16.0.dev20261101+cu130-cp313-cp313-manylinux_2_28_x86_64.whl",
        ],
        seen,
    )
    merged, summary = merge(shipped(), seen, "test")
    assert summary.releases_added == ["2.16.0"]
    new = build(merged, "2.16.0", "cu130", "linux-x86_64")
    assert new["python"] == ["cp312", "cp313"]
    assert new["cuda_archs"] == build(shipped(), "2.15.0", "cu130", "linux-x86_64")["cuda_archs"]
    assert next(r for r in merged["releases"] if r["version"] == "2.16.0")["requires_python"] == (
        ">=3.12"
    )


def test_cli_refresh_writes_atomically_and_catalog_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    transport = fixture_transport()
    monkeypatch.setattr(
        "torchenv.catalog.refresh.http_fetcher",
        lambda transport_=None, timeout=30.0: http_fetcher(transport=transport),
    )
    out = tmp_path / "refreshed.json"
    code = main(["catalog", "refresh", "--output", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output"] == str(out) and report["wheels"] > 100
    catalog = load_catalog_file(out)
    assert catalog.release("2.13.0") is not None
    assert [p.name for p in tmp_path.iterdir()] == ["refreshed.json"]  # no temp files left


def test_cli_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "2.7", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["version"] == "2.7.1"
    assert data[0]["variants"]["cu128"]["platforms"]["linux-x86_64"]["cuda_archs"][-1] == "12.0"
    assert main(["catalog", "show"]) == 0
    assert "torch 2.15.0" in capsys.readouterr().out
    assert main(["catalog", "show", "9.9"]) == 2
    assert "not in the catalog" in capsys.readouterr().err


@pytest.mark.network
def test_refresh_against_download_pytorch_org() -> None:
    """Opt-in (pytest -m network): the live index still has the shape refresh expects."""
    merged, summary = refresh_catalog(shipped(), BASE)
    assert "cu128" in summary.variants and summary.wheels > 1000
    assert build(merged, "2.7.1", "cu128", "linux-x86_64")["platform_tag"] == (
        "manylinux_2_28_x86_64"
    )


def test_refresh_output_carries_no_credentials() -> None:
    fetch = http_fetcher(transport=fixture_transport())
    base = "https://mirror-user:t0ps3cret@download.pytorch.org/whl"
    merged, _ = refresh_catalog(shipped(), base, fetch=fetch)
    text = json.dumps(merged)
    assert "t0ps3cret" not in text and "mirror-user" not in text
