"""Reading what a project asks to lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchenv.errors import InputError
from torchenv.lock.project import load_project, parse_pyproject, parse_requirements_in

PYPROJECT = """
[project]
name = "demo"
requires-python = ">=3.10"
dependencies = ["torch>=2.6", "numpy"]

[project.optional-dependencies]
vision = ["torchvision"]

[dependency-groups]
test = ["pytest"]
dev = [{include-group = "test"}, "ruff"]

[tool.torchenv]
targets = ["linux-x86_64", "macos-arm64"]
python = ["3.11", "3.12"]
variants = ["cpu", "cu128"]
pytorch-index-url = "https://mirror.example/whl"
torch-family = { extra = ["torch-geometric"] }
"""


def test_pyproject_dependencies_groups_settings() -> None:
    project = parse_pyproject(PYPROJECT)
    assert project.dependencies == ("torch>=2.6", "numpy")
    assert project.groups["vision"] == ("torchvision",)
    assert project.groups["dev"] == ("pytest", "ruff")
    assert project.requirements(["dev", "vision"]) == (
        "torch>=2.6",
        "numpy",
        "pytest",
        "ruff",
        "torchvision",
    )
    assert project.settings.targets == ("linux-x86_64", "macos-arm64")
    assert project.settings.python == ("3.11", "3.12")
    assert project.settings.variants == ("cpu", "cu128")
    assert project.settings.pytorch_index_url == "https://mirror.example/whl"
    assert project.settings.torch_family_extra == ("torch-geometric",)
    assert project.requires_python == ">=3.10"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\n", "not valid TOML"),
        ('[project]\ndependencies = ["torch >>= 2"]\n', "bad requirement"),
        ('[dependency-groups]\na = [{include-group = "a"}]\n', "includes itself"),
        (
            '[tool.torchenv]\ntargets = "x"\npytorch-index-url = 3\n',
            "pytorch-index-url must be a string",
        ),
    ],
)
def test_bad_pyproject_names_the_file(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_pyproject(text, "p/pyproject.toml")
    assert str(info.value).startswith("p/pyproject.toml")


def test_unknown_group() -> None:
    with pytest.raises(InputError, match="no optional dependency or group named 'gpu'"):
        parse_pyproject(PYPROJECT).requirements(["gpu"])


def test_requirements_in() -> None:
    project = parse_requirements_in("# c\ntorch==2.7.0  # pinned\n\nnumpy\n")
    assert project.dependencies == ("torch==2.7.0", "numpy")
    with pytest.raises(InputError, match=r"requirements.in:2: option '--extra-index-url'"):
        parse_requirements_in("torch\n--extra-index-url https://x\n")


def test_load_project_directory_and_missing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert load_project(str(tmp_path)).dependencies == ("torch>=2.6", "numpy")
    with pytest.raises(InputError, match="cannot read"):
        load_project(str(tmp_path / "nope.in"))


def test_requirements_in_follows_includes(tmp_path: Path) -> None:
    (tmp_path / "base.in").write_text("numpy>=2\n# comment\n")
    (tmp_path / "requirements.in").write_text("-r base.in\ntorch==2.7.0\nnumpy>=2\n")
    project = load_project(str(tmp_path / "requirements.in"))
    assert project.dependencies == ("numpy>=2", "torch==2.7.0")
    (tmp_path / "loop.in").write_text("-r loop.in\n")
    with pytest.raises(InputError, match=r"loop.in:1: '-r loop.in' includes itself"):
        load_project(str(tmp_path / "loop.in"))
    (tmp_path / "bad.in").write_text("torch\n-r missing.in\n")
    with pytest.raises(InputError, match=r"bad.in:2: cannot read missing.in"):
        load_project(str(tmp_path / "bad.in"))


def test_toml_beyond_the_fast_subset_reads_the_same() -> None:
    # A multi-line string and a date are outside torchenv's TOML subset: tomllib reads them.
    text = PYPROJECT + '\n[tool.other]\nnote = """\nlong\n"""\nwhen = 2026-11-24\n'
    assert parse_pyproject(text) == parse_pyproject(PYPROJECT)
