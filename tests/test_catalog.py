"""The knowledge base loader and the facts it must hold (each tied to the reference)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from torchenv.catalog import default_catalog_path, load_catalog, load_catalog_file
from torchenv.catalog.model import catalog_from_dict, release_key
from torchenv.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def test_every_release_from_1_13_to_2_15_with_patches() -> None:
    versions = [r.version for r in load_catalog().releases]
    for expected in (
        "1.13.0",
        "1.13.1",
        "2.0.1",
        "2.1.2",
        "2.2.2",
        "2.5.1",
        "2.7.1",
        "2.9.1",
        "2.12.1",
        "2.14.0",
        "2.14.1",
        "2.15.0",
    ):
        assert expected in versions
    assert versions == sorted(versions, key=release_key)
    assert load_catalog().latest().version == "2.15.0"


def test_release_lookup_minor_means_newest_patch() -> None:
    catalog = load_catalog()
    assert catalog.release("2.7").version == "2.7.1"  # type: ignore[union-attr]
    assert catalog.release("2.7.0").version == "2.7.0"  # type: ignore[union-attr]
    assert catalog.release("2.5.1+cu124").version == "2.5.1"  # type: ignore[union-attr]
    assert catalog.release("9.9") is None


def test_variants_per_release_match_facts_section_1() -> None:
    catalog = load_catalog()
    assert catalog.release("2.7.1").variant_names == (  # type: ignore[union-attr]
        "cpu",
        "cu118",
        "cu126",
        "cu128",
        "rocm6.2.4",
        "rocm6.3",
        "xpu",
    )
    assert "cu128" not in catalog.release("2.14.0").variant_names  # type: ignore[union-attr]
    assert "cu126" not in catalog.release("2.15.0").variant_names  # type: ignore[union-attr]
    assert "xpu" not in catalog.release("2.4.1").variant_names  # type: ignore[union-attr]


def test_cuda_archs_per_platform() -> None:
    release = load_catalog().release("2.7.1")
    assert release is not None
    cu128 = release.variant("cu128")
    assert cu128 is not None and cu128.kind == "cuda"
    assert cu128.cuda_archs("linux-x86_64") == ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0")
    assert cu128.cuda_archs("linux-aarch64") == ("8.0", "9.0", "10.0", "12.0")
    cu126 = release.variant("cu126")
    assert cu126 is not None
    assert "6.1" in cu126.cuda_archs("windows-x86_64")  # Windows adds sm_61 (facts §6)
    assert "6.1" not in cu126.cuda_archs("linux-x86_64")
    cu130 = load_catalog().release("2.9.0").variant("cu130")  # type: ignore[union-attr]
    assert cu130 is not None and cu130.ptx("linux-x86_64") == "12.0"


def test_pairing_and_reverse_pairing() -> None:
    catalog = load_catalog()
    assert catalog.paired_version("torchvision", "2.7.1") == "0.22.1"
    assert catalog.paired_version("torchaudio", "2.0.0") == "2.0.1"
    assert catalog.paired_version("torchaudio", "2.12.0") is None
    assert catalog.torch_for("torchvision", "0.22.1+cu128") == "2.7.1"
    assert catalog.torch_for("torchaudio", "2.11.0") == "2.11.0"
    assert catalog.torch_for("torchvision", "9.9.9") is None


def test_python_tags_and_pypi_default() -> None:
    release = load_catalog().release("2.12.1")
    assert release is not None
    tags = release.python_tags("linux-x86_64")
    assert "cp314t" in tags and "cp313t" not in tags  # 2.12.1 dropped cp313t (facts §2)
    assert load_catalog().release("2.12.0").python_tags("linux-x86_64").count("cp313t") == 1  # type: ignore[union-attr]
    assert load_catalog().release("2.8.0").pypi_variant("linux-x86_64") == "cu128"  # type: ignore[union-attr]
    assert load_catalog().release("2.8.0").pypi_variant("windows-x86_64") == "cpu"  # type: ignore[union-attr]


def test_driver_minimums() -> None:
    catalog = load_catalog()
    entry = catalog.driver_minimum("12.8")
    assert entry is not None
    assert entry.toolkit("linux") == "570.26" and entry.toolkit("windows") == "570.65"
    assert entry.floor("linux") == "525.60.13" and entry.floor("windows") == "527.41"
    assert catalog.driver_minimum("13.2").floor("linux") == "580"  # type: ignore[union-attr]
    assert catalog.driver_minimum("11.8").floor("windows") == "452.39"  # type: ignore[union-attr]


def test_every_build_names_a_source_and_unverified_are_marked() -> None:
    data = json.loads(Path(default_catalog_path()).read_text(encoding="utf-8"))
    unverified = 0
    for release in data["releases"]:
        assert release["source"]
        for name, variant in release["variants"].items():
            for platform, build in variant["platforms"].items():
                assert build["source"], (release["version"], name, platform)
                unverified += not build["verified"]
    assert unverified > 0
    rocm_2_12 = next(r for r in data["releases"] if r["version"] == "2.12.0")["variants"]["rocm7.2"]
    assert rocm_2_12["platforms"]["linux-x86_64"]["verified"] is False  # facts §1 "unverified"


def test_wheel_filenames_match_index_samples() -> None:
    """Filenames the catalog builds must be ones seen in /work/shared index samples."""
    catalog = load_catalog()
    seen = {
        (
            "2.7.0",
            "cu128",
            "linux-x86_64",
            "cp313t",
        ): "torch-2.7.0+cu128-cp313-cp313t-manylinux_2_28_x86_64.whl",
        ("2.5.1", "cu124", "linux-aarch64", "cp310"): "torch-2.5.1-cp310-cp310-linux_aarch64.whl",
        ("2.3.0", "cpu", "macos-arm64", "cp38"): "torch-2.3.0-cp38-none-macosx_11_0_arm64.whl",
        ("2.13.0", "cpu", "windows-arm64", "cp312"): "torch-2.13.0+cpu-cp312-cp312-win_arm64.whl",
        ("2.6.0", "xpu", "linux-x86_64", "cp39"): "torch-2.6.0+xpu-cp39-cp39-linux_x86_64.whl",
        (
            "2.14.0",
            "rocm7.2",
            "linux-x86_64",
            "cp312",
        ): "torch-2.14.0+rocm7.2-cp312-cp312-manylinux_2_28_x86_64.whl",
    }
    for (version, variant, platform, tag), filename in seen.items():
        release = catalog.release(version)
        assert release is not None
        build = release.variant(variant).build(platform)  # type: ignore[union-attr]
        assert build is not None
        assert build.wheel_filename(version, variant, tag) == filename


def test_bad_catalog_file_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text("{\n  nope", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog_file(bad)
    assert str(bad) in str(info.value) and info.value.line == 2
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"schema": 1, "releases": [{"version": "2.0.0"}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"releases\[0\]\.requires_python"):
        load_catalog_file(wrong)
    lazy = tmp_path / "lazy.json"
    lazy.write_text(
        '{"schema": 1, "releases": [{"version": "2.0.0", "requires_python": ">=3.8", '
        '"variants": {"cpu": {"kind": "cpu", "platforms": {"linux-x86_64": {}}}}}]}',
        encoding="utf-8",
    )
    release = load_catalog_file(lazy).release("2.0.0")
    assert release is not None
    with pytest.raises(InputError, match=r"lazy.json: releases\[0\]\.variants\.cpu"):
        release.variants  # noqa: B018 - parsed on first access


def test_catalog_from_dict_rejects_other_schema() -> None:
    with pytest.raises(ValueError, match="schema"):
        catalog_from_dict({"schema": 2, "releases": []})


def test_committed_json_and_module_match_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_shipped_module_holds_the_shipped_json() -> None:
    """catalog/_shipped.py (what load_catalog imports) is data/catalog.json exactly."""
    from torchenv.catalog._shipped import CATALOG

    assert json.loads(Path(default_catalog_path()).read_text(encoding="utf-8")) == CATALOG
    assert load_catalog().origin == default_catalog_path()


def test_shipped_catalog_loads_without_json() -> None:
    code = "import sys, torchenv.catalog as c; c.load_catalog(); print('json' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
