"""Every rule, positive and negative, on the fixture repositories (real catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from check_catalog_double import FactsCatalog
from torchenv.check.runner import check_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "check"

# case -> {(file, line, code)}; an empty set is a negative case.
EXPECTED: dict[str, set[tuple[str, int, str]]] = {
    "req-good": set(),
    "req-unpublished-variant": {
        ("requirements.txt", 3, "TE003"),
        ("requirements.txt", 4, "TE003"),
        ("requirements.txt", 4, "TE004"),
        ("requirements.txt", 5, "TE005"),
    },
    "req-macos-cuda": {
        ("requirements-macos.txt", 1, "TE007"),
        ("requirements-macos.txt", 2, "TE001"),
    },
    "req-includes": {
        ("requirements/broken.txt", 1, "TE000"),
        ("requirements/broken.txt", 2, "TE006"),
    },
    "req-unpinned": {("requirements-gpu.txt", 3, "TE009")},
    "req-unknown-version": {
        ("requirements.txt", 1, "TE002"),
        ("requirements.txt", 2, "TE002"),
    },
    "docker-arm64-cu124": {
        ("Dockerfile", 5, "TE001"),
        ("Dockerfile", 6, "TE007"),
        ("Dockerfile", 7, "TE003"),
        ("Dockerfile", 8, "TE013"),
    },
    "docker-good": set(),
    "conda-deepslide": {("environment.yml", 11, "TE011")},
    "conda-cpuonly": {
        ("environment-cpu.yml", 6, "TE004"),
        ("environment-cpu.yml", 8, "TE010"),
        ("environment-cpu.yml", 9, "TE012"),
        ("environment-cpu.yml", 11, "TE007"),
    },
    "conda-good": set(),
    "conda-nam-gpu": {("environment_gpu.yml", 27, "TE011")},
    "uv-darwin-source": {
        ("pyproject.toml", 6, "TE001"),
        ("pyproject.toml", 7, "TE005"),
        ("pyproject.toml", 18, "TE008"),
    },
    "uv-good": set(),
    "uv-odh-x86": set(),
    "uv-odh-aarch64": {("pyproject.toml", 10, "TE001")},
    "uv-windows-cu121": {("pyproject.toml", 22, "TE008")},
    "poetry-supplemental": {("pyproject.toml", 12, "TE008")},
    "pixi-osx-cuda": {("pixi.toml", 10, "TE001")},
    "pixi-good": set(),
    "pyproject-python-range": {("pyproject.toml", 4, "TE013")},
    "gpu-targets": {("pyproject.toml", 16, "TE015"), ("pyproject.toml", 17, "TE015")},
    "pylock-good": set(),
    "unreadable": {
        ("pyproject.toml", 5, "TE000"),
        ("requirements.txt", 1, "TE003"),
        ("requirements.txt", 1, "TE006"),
    },
}


def _found(case: str, **kwargs: object) -> set[tuple[str, int, str]]:
    root = FIXTURES / case
    report = check_paths([str(root)], **kwargs)  # type: ignore[arg-type]
    return {(Path(d.path).relative_to(root).as_posix(), d.line, d.code) for d in report.diagnostics}


def test_every_fixture_case_is_listed() -> None:
    cases = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert cases == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fixture_case(case: str) -> None:
    assert _found(case) == EXPECTED[case]


def test_every_rule_has_a_positive_fixture() -> None:
    codes = {code for found in EXPECTED.values() for _, _, code in found}
    from torchenv.check.rules import RULES

    # TE014 (stale lock) is covered in test_check_lock.py with locks written by the test.
    assert set(RULES) - codes <= {"TE014"}


def test_rules_agree_with_the_facts_double() -> None:
    """The same judgements from the stand-in built straight from pytorch-facts.md (for
    the releases it covers), so a catalog regression shows up as a difference here."""
    for case in ("req-unpublished-variant", "req-macos-cuda", "uv-darwin-source"):
        assert _found(case, catalog=FactsCatalog()) == _found(case)


def test_positions_point_at_the_offending_text() -> None:
    report = check_paths([str(FIXTURES / "docker-arm64-cu124")])
    by_code = {d.code: d for d in report.diagnostics}
    text = (FIXTURES / "docker-arm64-cu124" / "Dockerfile").read_text().splitlines()
    te001 = by_code["TE001"]
    assert text[te001.line - 1][te001.col - 1 :].startswith("torch==2.6.0+cu124")
    te007 = by_code["TE007"]
    assert text[te007.line - 1][te007.col - 1 :].startswith("https://download.pytorch.org")
    report = check_paths([str(FIXTURES / "uv-darwin-source")])
    toml = (FIXTURES / "uv-darwin-source" / "pyproject.toml").read_text().splitlines()
    for diagnostic in report.diagnostics:
        if diagnostic.code == "TE005":
            assert toml[diagnostic.line - 1][diagnostic.col - 1 :].startswith("torchvision")
        if diagnostic.code == "TE008":
            assert toml[diagnostic.line - 1][diagnostic.col - 1 :].startswith('"https://')


def test_messages_name_the_facts() -> None:
    report = check_paths([str(FIXTURES / "req-unpublished-variant")])
    te003 = next(d for d in report.diagnostics if d.code == "TE003" and d.line == 3)
    assert "cu121" in te003.message and "cu128" in te003.message and te003.hint
    te004 = next(d for d in report.diagnostics if d.code == "TE004")
    assert "0.22.0" in te004.message and "2.6.0" in te004.message


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def _codes(tmp_path: Path, name: str, text: str) -> list[tuple[int, str]]:
    report = check_paths([_write(tmp_path, name, text)])
    return [(d.line, d.code) for d in report.diagnostics]


def test_marker_sends_cuda_pin_to_darwin(tmp_path: Path) -> None:
    text = (
        "--index-url https://download.pytorch.org/whl/cu128\n"
        "torch==2.7.1+cu128 ; sys_platform == 'darwin'\n"
        "torch==2.7.1+cu128 ; sys_platform == 'linux'\n"
        "torch==2.7.1 ; platform_system == 'Windows' and python_version >= '3.10'\n"
    )
    assert _codes(tmp_path, "requirements.txt", text) == [(2, "TE001")]
    # The unlabelled pin reaches macOS through the file's cu128 --index-url: line 1.
    darwin = text + "torch==2.7.1 ; platform_system == 'Darwin' and python_version >= '3.10'\n"
    assert _codes(tmp_path, "mac/requirements.txt", darwin) == [(1, "TE001"), (2, "TE001")]


def test_rocm_on_windows_and_xpu_on_mac(tmp_path: Path) -> None:
    text = (
        "torch==2.7.1+rocm6.3 ; sys_platform == 'win32'\n"
        "torch==2.7.1+xpu ; sys_platform == 'darwin'\n"
        "torch==2.7.1+rocm6.3 ; sys_platform == 'linux' and platform_machine == 'x86_64'\n"
        "--find-links https://download.pytorch.org/whl/torch_stable.html\n"
    )
    assert _codes(tmp_path, "requirements.txt", text) == [(1, "TE001"), (2, "TE001")]


def test_cuda_build_for_arm64_when_release_has_none(tmp_path: Path) -> None:
    dockerfile = (
        "FROM --platform=linux/arm64 nvidia/cuda:12.1.1-runtime-ubuntu22.04\n"
        "RUN pip install torch==2.3.1 --index-url https://download.pytorch.org/whl/cu121\n"
        "FROM --platform=linux/arm64 nvidia/cuda:12.8.1-runtime-ubuntu24.04\n"
        "RUN pip install torch==2.7.1 --index-url https://download.pytorch.org/whl/cu128\n"
    )
    found = _codes(tmp_path, "Dockerfile", dockerfile)
    assert (1, "TE001") in found and not [f for f in found if f[0] >= 3]


def test_torch_28_cu118_and_unknown_versions(tmp_path: Path) -> None:
    text = (
        "--index-url https://download.pytorch.org/whl/cu118\n"
        "torch==2.8.0\n"
        "torchvision==0.23.0\n"
        "torchaudio==2.8.0\n"
    )
    found = _codes(tmp_path, "requirements.txt", text)
    assert found == [(2, "TE003"), (3, "TE003"), (4, "TE003")]
    # Versions newer than the catalog or pre-releases are not judged.
    text = "torch==99.0.0\ntorch==2.9.0rc1\ntorch==2.8.0.dev20250601\n"
    assert _codes(tmp_path, "r2/requirements.txt", text) == []


def test_local_pin_needs_an_index(tmp_path: Path) -> None:
    assert _codes(tmp_path, "a/requirements.txt", "torch==2.7.1+cu126\n") == [(1, "TE006")]
    served = "-f https://download.pytorch.org/whl/torch_stable.html\ntorch==2.7.1+cu126\n"
    assert _codes(tmp_path, "b/requirements.txt", served) == []
    mirror = "--index-url https://mirror.example/simple\ntorch==2.7.1+cu126\n"
    assert _codes(tmp_path, "c/requirements.txt", mirror) == []
    pypi = "--index-url https://pypi.org/simple\ntorch==2.7.1+cu126\n"
    assert _codes(tmp_path, "d/requirements.txt", pypi) == [(2, "TE006")]


def test_uv_index_must_be_explicit_and_pinned(tmp_path: Path) -> None:
    text = """[project]
name = "x"
version = "0"
dependencies = ["torch>=2.6"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu126"
"""
    assert _codes(tmp_path, "pyproject.toml", text) == [(4, "TE009"), (11, "TE008")]
    fixed = text.replace('"torch>=2.6"', '"torch==2.7.1"') + "explicit = true\n"
    assert _codes(tmp_path, "ok/pyproject.toml", fixed) == []


def test_pdm_source_without_include_packages(tmp_path: Path) -> None:
    text = """[project]
name = "x"
version = "0"
dependencies = ["torch==2.7.1+cu126"]

[[tool.pdm.source]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu126"
"""
    assert _codes(tmp_path, "pyproject.toml", text) == [(8, "TE008")]
    fixed = text + 'include_packages = ["torch", "torchvision"]\n'
    assert _codes(tmp_path, "ok/pyproject.toml", fixed) == []


def test_conda_channel_rules(tmp_path: Path) -> None:
    old = "channels:\n  - pytorch\ndependencies:\n  - pytorch=2.5.1\n  - pytorch-cuda=12.4\n"
    assert _codes(tmp_path, "a/environment.yml", old) == []
    new = "channels: [conda-forge]\ndependencies:\n  - pytorch::pytorch=2.6.0\n"
    assert _codes(tmp_path, "b/environment.yml", new) == [(3, "TE011")]
    forge = "channels: [conda-forge]\ndependencies:\n  - pytorch=2.7.1\n  - cuda-version=11.2\n"
    assert _codes(tmp_path, "c/environment.yml", forge) == []
    # pytorch-cuda (a pytorch-channel package) beside conda-forge's pytorch, listed first.
    mixed = "channels: [conda-forge, pytorch]\ndependencies:\n  - pytorch\n  - pytorch-cuda=12.4\n"
    assert _codes(tmp_path, "e/environment.yml", mixed) == [(4, "TE011")]
    explicit = mixed.replace("  - pytorch\n", "  - pytorch::pytorch=2.5.1\n")
    assert _codes(tmp_path, "f/environment.yml", explicit) == []
    bad_cuda = "channels: [pytorch]\ndependencies:\n  - pytorch=2.5.1\n  - pytorch-cuda=12.6\n"
    assert _codes(tmp_path, "d/environment.yml", bad_cuda) == [(4, "TE012")]


def test_python_pins_in_each_format(tmp_path: Path) -> None:
    conda = "channels: [conda-forge]\ndependencies:\n  - python=3.14\n  - pytorch=2.7.1\n"
    assert _codes(tmp_path, "a/environment.yml", conda) == [(3, "TE013")]
    pixi = (
        '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n'
        '[dependencies]\npython = "3.9.*"\npytorch = "2.9.0"\n'
    )
    assert _codes(tmp_path, "b/pixi.toml", pixi) == [(5, "TE013")]
    poetry = (
        '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = ">=3.10,<3.13"\n'
        'torch = "2.7.1"\n'
    )
    assert _codes(tmp_path, "c/pyproject.toml", poetry) == []
    upper = '[project]\nname = "x"\nrequires-python = ">=3.14"\ndependencies = ["torch==2.7.1"]\n'
    assert _codes(tmp_path, "d/pyproject.toml", upper) == [(3, "TE013")]


def test_gpu_capability_coverage(tmp_path: Path) -> None:
    text = """[project]
name = "x"
dependencies = ["torch==2.8.0+cu128"]
[tool.uv.sources]
torch = { index = "cu128" }
[[tool.uv.index]]
name = "cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true
[tool.torchenv]
gpus = ["RTX 4090", "H100", "Tesla P100-PCIE-16GB", "Mystery GPU"]
compute-capabilities = ["8.9", "6.1"]
"""
    found = check_paths([_write(tmp_path, "pyproject.toml", text)]).diagnostics
    flagged = {(d.line, d.col, d.severity) for d in found if d.code == "TE015"}
    line = text.splitlines()[10]
    assert flagged == {
        (11, line.index('"Tesla') + 1, "error"),
        (11, line.index('"Mystery') + 1, "warning"),
        (12, 32, "error"),
    }


def test_pdm_include_packages_route_only_matching_names(tmp_path: Path) -> None:
    text = """[project]
name = "x"
version = "0"
dependencies = ["torch==2.7.1", "torchvision==0.22.1", "numpy==2.0.0+local"]

[[tool.pdm.source]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu118"
include_packages = ["torch"]
"""
    # torch is routed to cu118 (2.7.1 has it); torchvision is not, so it comes from PyPI
    # (TE005); numpy's local pin has no source that serves it (TE006).
    found = _codes(tmp_path, "pyproject.toml", text)
    assert found == [(4, "TE005"), (4, "TE006")]
    wildcard = text.replace('["torch"]', '["torch*"]').replace("cu118", "cu121")
    assert (4, "TE003") in _codes(tmp_path, "w/pyproject.toml", wildcard)


def test_gpu_coverage_for_an_unpinned_torch_uses_the_newest_build(tmp_path: Path) -> None:
    pyproject = """[project]
name = "x"
dependencies = ["torch>=2.4"]
[tool.uv.sources]
torch = { index = "cu124" }
[[tool.uv.index]]
name = "cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
[tool.torchenv]
gpus = ["RTX 5090"]
"""
    found = check_paths([_write(tmp_path, "pyproject.toml", pyproject)]).diagnostics
    te015 = [d for d in found if d.code == "TE015"]
    assert len(te015) == 1 and "torch 2.6.0+cu124" in te015[0].message


def test_declared_targets_need_published_backends(tmp_path: Path) -> None:
    text = """[project]
name = "x"
dependencies = ["torch==2.7.1"]
[tool.torchenv]
targets = [
  "linux-x86_64-cu128",
  "linux-x86_64-cu121",
  "windows-x86_64-rocm6.3",
  "macos-arm64",
]
"""
    assert _codes(tmp_path, "pyproject.toml", text) == [(7, "TE003"), (8, "TE001")]


def test_label_pins_where_the_wheels_carry_no_label(tmp_path: Path) -> None:
    dockerfile = (
        "FROM --platform=linux/arm64 nvidia/cuda:12.4.1-runtime-ubuntu22.04\n"
        "RUN pip install torch==2.5.1+cu124 --index-url https://download.pytorch.org/whl/cu124\n"
        "RUN pip install torch==2.5.1 --index-url https://download.pytorch.org/whl/cu124\n"
    )
    found = check_paths([_write(tmp_path, "Dockerfile", dockerfile)]).diagnostics
    assert [(d.line, d.code) for d in found] == [(2, "TE001")]
    assert "carry no '+cu124' label" in found[0].message
