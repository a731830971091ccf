"""The readers on realistic text: what they extract and where (line, column)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from torchenv.check.markers import marker_platforms
from torchenv.check.model import ALL_CODES, Position
from torchenv.check.readers.conda import parse_match_spec, read_conda
from torchenv.check.readers.dockerfile import read_dockerfile
from torchenv.check.readers.pixi import read_pixi
from torchenv.check.readers.pylock import read_pylock
from torchenv.check.readers.pyproject import read_pyproject
from torchenv.check.readers.requirements import read_requirements
from torchenv.check.readers.tomlpos import locate
from torchenv.check.readers.yamlish import parse_yaml, to_python
from torchenv.check.versions import conda_pin, exact_pin, poetry_to_pep440, python_minors
from torchenv.errors import InputError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "check"


def _at(text: str, position: Position) -> str:
    return text.splitlines()[position.line - 1][position.col - 1 :]


def test_requirements_lines() -> None:
    text = (
        "# comment\n"
        "-i https://download.pytorch.org/whl/cu126  # the index\n"
        "--extra-index-url=https://${USER}:${TOKEN}@mirror.example/simple\n"
        "-f https://download.pytorch.org/whl/torch_stable.html\n"
        "-r base.txt\n"
        "--constraint constraints.txt\n"
        "-e .\n"
        "torch==2.7.1+cu126 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "torchvision [extra] ==0.22.1 ; sys_platform == 'linux'  # torchenv: ignore[TE004]\n"
        "https://download.pytorch.org/whl/cu126/torchaudio-2.7.1%2Bcu126-cp312-cp312-"
        "manylinux_2_28_x86_64.whl#sha256=cc\n"
        "numpy @ https://example.org/numpy-2.0.0-cp312-cp312-linux_x86_64.whl\n"
        "git+https://github.com/org/repo.git\n"
    )
    doc = read_requirements(text, "requirements.txt")
    assert [(i.role, i.url) for i in doc.indexes] == [
        ("index-url", "https://download.pytorch.org/whl/cu126"),
        ("extra-index-url", "https://${USER}:${TOKEN}@mirror.example/simple"),
        ("find-links", "https://download.pytorch.org/whl/torch_stable.html"),
    ]
    assert _at(text, doc.indexes[1].position).startswith("https://${USER}")
    assert [(i.target, i.constraint) for i in doc.includes] == [
        ("base.txt", False),
        ("constraints.txt", True),
    ]
    names = [(r.name, r.specifier, r.position.line) for r in doc.requirements]
    assert names == [
        ("torch", "==2.7.1+cu126", 8),
        ("torchvision", "==0.22.1", 11),
        ("torchaudio", "==2.7.1+cu126", 12),
        ("numpy", "==2.0.0", 13),
    ]
    assert doc.requirements[1].marker == "sys_platform == 'linux'"
    assert doc.ignores == {11: frozenset({"TE004"})}


def test_requirements_errors_carry_the_line() -> None:
    with pytest.raises(InputError) as caught:
        read_requirements("torch\ntorch===\n", "r.txt")
    assert caught.value.line == 2
    with pytest.raises(InputError):
        read_requirements("--index-url\n", "r.txt")


def test_ignore_comments() -> None:
    doc = read_requirements("a  # torchenv: ignore\nb # torchenv: ignore[te001, TE002]\n", "r")
    assert doc.ignores == {1: frozenset({ALL_CODES}), 2: frozenset({"TE001", "TE002"})}


def test_toml_locator_paths() -> None:
    text = (FIXTURES / "uv-good" / "pyproject.toml").read_text()
    found = locate(text)
    assert _at(text, found[("project", "dependencies", 1)]).startswith('"torchvision')
    assert _at(text, found[("tool", "uv", "index", 1, "url")]).startswith(
        '"https://download.pytorch.org/whl/cpu"'
    )
    assert _at(text, found[("tool", "uv", "sources", "torch", 1, "marker")]).startswith(
        "\"sys_platform == 'darwin'\""
    )
    assert _at(text, found[("dependency-groups", "dev", 1)]).startswith("{ include-group")
    assert found[("tool", "torchenv")] == Position(text.splitlines().index("[tool.torchenv]") + 1)


def test_toml_locator_strings_and_nested_tables() -> None:
    text = (
        'a = """multi\n"line" ]\n"""\n'
        "b = 'lit # not comment'  # comment\n"
        '"quoted.key" = [1, [2, 3], {x = "y"}]\n'
        "[[fruit]]\nname = 1\n[[fruit.variety]]\nname = 2\n[[fruit]]\nname = 3\n"
        "[[fruit.variety]]\nname = 4\n"
    )
    found = locate(text)
    assert found[("b",)] == Position(4, 5)
    assert found[("quoted.key", 1, 0)] == Position(5, 21)
    assert found[("quoted.key", 2, "x")] == Position(5, 33)
    assert found[("fruit", 0, "variety", 0, "name")] == Position(9, 8)
    assert found[("fruit", 1, "name")] == Position(11, 8)
    assert found[("fruit", 1, "variety", 0, "name")] == Position(13, 8)


def test_pyproject_uv_sources_split_by_marker() -> None:
    text = (FIXTURES / "uv-good" / "pyproject.toml").read_text()
    doc = read_pyproject(text, "pyproject.toml")
    torch = [(r.source, r.marker) for r in doc.requirements if r.name == "torch"]
    assert torch == [
        ("pytorch-cu128", "sys_platform == 'linux' or sys_platform == 'win32'"),
        ("pytorch-cpu", "sys_platform == 'darwin'"),
    ]
    assert [(i.name, i.explicit) for i in doc.indexes] == [
        ("pytorch-cu128", True),
        ("pytorch-cpu", True),
    ]
    assert doc.platforms == frozenset({"linux-x86_64", "macos-arm64"})
    assert [(g.value, g.is_capability) for g in doc.gpus] == [("RTX 5090", False)]
    assert doc.pythons[0].specifier == ">=3.10"
    assert {r.name for r in doc.requirements} >= {"pytest", "ruff"}


def test_pyproject_poetry_and_pdm() -> None:
    text = """[tool.poetry.dependencies]
python = "^3.10"
torch = [
  { version = "2.7.1+cu128", source = "cu128", platform = "linux" },
  { version = "2.7.1", platform = "darwin" },
]
[tool.poetry.group.dev.dependencies]
pytest = "^8"
[[tool.poetry.source]]
name = "cu128"
url = "https://download.pytorch.org/whl/cu128"
priority = "explicit"
[[tool.pdm.source]]
name = "torch"
url = "https://download.pytorch.org/whl/cpu"
include_packages = ["torch"]
"""
    doc = read_pyproject(text, "pyproject.toml")
    assert doc.pythons[0].specifier == ">=3.10,<4"
    torch = [r for r in doc.requirements if r.name == "torch"]
    assert [(r.specifier, r.source, r.marker, r.position.line) for r in torch] == [
        ("==2.7.1+cu128", "cu128", "sys_platform == 'linux'", 4),
        ("==2.7.1", None, "sys_platform == 'darwin'", 5),
    ]
    assert [(i.tool, i.explicit) for i in doc.indexes] == [("poetry", True), ("pdm", True)]


def test_pyproject_invalid_toml_reports_line() -> None:
    text = (FIXTURES / "unreadable" / "pyproject.toml").read_text()
    with pytest.raises(InputError) as caught:
        read_pyproject(text, "pyproject.toml")
    assert caught.value.line == 5


YAML_SAMPLES = [
    *sorted(str(p) for p in FIXTURES.rglob("environment*.yml")),
    "name: x\nchannels: []\ndependencies: [python=3.11, 'pytorch>=2.5']\n",
    "dependencies:\n- python\n- pip:\n  - torch\n  - 'numpy==2.*'  # c\nvariables:\n  A: '1'\n",
    'name: "q # not a comment"\nprefix: /opt/env\ndependencies:\n  -   cuda-version=12.6\n',
    "dependencies:\n  - name: x\n    version: '1'\n  - y\n",
    "a:\n  b:\n    c: d\n  e: f\ng: h\n",
    "dependencies:\n  - pip:\n    - a\n    - b\n  - c\n",
    "channels:\n  - defaults\n# comment\n\ndependencies:\n  - 'python>=3.9'   # c\n",
    "key: value with spaces\nurl: https://x.org/a#b\n",
    "dependencies:\n  -   a\n  -\n    - nested\n",
]


@pytest.mark.parametrize("sample", YAML_SAMPLES)
def test_yaml_reader_matches_pyyaml(sample: str) -> None:
    text = Path(sample).read_text() if sample.endswith(".yml") else sample
    assert to_python(parse_yaml(text, "environment.yml")) == yaml.safe_load(text)


def test_yaml_reader_positions_and_errors() -> None:
    text = "channels: [pytorch,  'nvidia']\ndependencies:\n  - pip:\n      - torch==2.7.1\n"
    root = parse_yaml(text, "e.yml")
    assert isinstance(root.value, dict)
    channels = root.value["channels"].value
    assert isinstance(channels, list)
    assert [c.position for c in channels] == [Position(1, 12), Position(1, 22)]
    with pytest.raises(InputError) as caught:
        parse_yaml("dependencies:\n  - a\n    - b\n", "e.yml")
    assert caught.value.line == 3
    with pytest.raises(InputError):
        parse_yaml("dependencies:\n\t- a\n", "e.yml")


def test_conda_reader() -> None:
    text = (FIXTURES / "conda-cpuonly" / "environment-cpu.yml").read_text()
    doc = read_conda(text, "environment-cpu.yml")
    assert [c.name for c in doc.channels] == ["pytorch", "conda-forge"]
    conda = [
        (r.name, r.specifier, r.position.line) for r in doc.requirements if r.ecosystem == "conda"
    ]
    assert conda[:3] == [
        ("python", "=3.8", 4),
        ("pytorch", "=2.4.1", 5),
        ("torchvision", "=0.18.1", 6),
    ]
    assert doc.pythons[0].specifier == "==3.8.*"
    pip = [r for r in doc.requirements if r.ecosystem == "pypi"]
    assert [(r.name, r.position) for r in pip] == [("torchaudio", Position(12, 9))]
    assert doc.indexes[0].role == "extra-index-url"
    assert parse_match_spec("conda-forge::pytorch 2.4.1 cuda120*") == (
        "pytorch",
        "2.4.1=cuda120*",
        "conda-forge",
    )


def test_pixi_reader_scopes() -> None:
    text = (FIXTURES / "pixi-good" / "pixi.toml").read_text()
    doc = read_pixi(text, "pixi.toml")
    torch = [(r.platforms, r.source) for r in doc.requirements if r.name == "torch"]
    assert torch == [
        (frozenset({"linux-x86_64"}), "https://download.pytorch.org/whl/cu126"),
        (frozenset({"macos-arm64"}), None),
    ]
    assert doc.platforms == frozenset({"linux-x86_64", "macos-arm64"})
    assert doc.pythons[0].specifier == "==3.12.*"


def test_pylock_reader() -> None:
    text = (FIXTURES / "pylock-good" / "pylock.cu128.toml").read_text()
    doc = read_pylock(text, "pylock.cu128.toml")
    assert [(r.name, r.specifier, r.source) for r in doc.requirements] == [
        ("torch", "==2.7.1+cu128", "https://download.pytorch.org/whl/cu128"),
        ("torchvision", "==0.22.1+cu128", "https://download.pytorch.org/whl/cu128"),
    ]
    assert doc.platforms == frozenset({"linux-x86_64"})
    with pytest.raises(InputError):
        read_pylock("[[packages]]\nname = 'x'\n", "pylock.toml")


def test_dockerfile_reader() -> None:
    text = (FIXTURES / "docker-arm64-cu124" / "Dockerfile").read_text()
    doc = read_dockerfile(text, "Dockerfile")
    assert [(i.image, i.tag, i.platform) for i in doc.images] == [
        ("nvidia/cuda", "12.4.1-cudnn-runtime-ubuntu22.04", "linux-aarch64"),
        ("pytorch/pytorch", "2.7.0-cuda12.1-cudnn9-runtime", "linux-x86_64"),
        ("python", "3.8-slim", None),
    ]
    reqs = [(r.name, r.specifier, r.ecosystem, r.scope) for r in doc.requirements]
    assert reqs == [
        ("torch", "==2.6.0+cu124", "pypi", 1),
        ("torch", "==2.7.0+cu121", "image", -2),
        ("torch", "==2.7.1", "pypi", 2),
    ]
    assert [(i.role, i.scope) for i in doc.indexes] == [("extra-index-url", 1), ("index-url", 2)]
    assert _at(text, doc.requirements[0].position).startswith("torch==2.6.0+cu124")
    assert doc.pythons[0].specifier == "==3.8.*"


def test_dockerfile_shell_forms() -> None:
    text = (
        'RUN ["pip", "install", "torch==2.7.1", "-i", "https://download.pytorch.org/whl/cpu"]\n'
        "RUN cd /app; python3.11 -m pip install -r requirements.txt -c c.txt torchvision\n"
        "ENV UV_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cu128\n"
        "RUN echo pip install not-this | tee x && uv pip install --system torchaudio==2.7.1\n"
    )
    doc = read_dockerfile(text, "Dockerfile")
    assert [(r.name, r.scope) for r in doc.requirements] == [
        ("torch", 1),
        ("torchvision", 2),
        ("torchaudio", 3),
    ]
    assert [i.target for i in doc.includes] == ["requirements.txt", "c.txt"]
    assert [(i.role, i.scope) for i in doc.indexes] == [("index-url", 1), ("extra-index-url", 0)]


def test_markers() -> None:
    assert marker_platforms("sys_platform == 'darwin'") == {"macos-arm64", "macos-x86_64"}
    assert marker_platforms(
        "platform_system != 'Darwin' and (platform_machine == 'x86_64' or "
        "platform_machine == 'AMD64')"
    ) == {"linux-x86_64", "windows-x86_64"}
    assert len(marker_platforms("python_version < '3.12' or extra == 'gpu'")) == 6
    assert marker_platforms("'linux' in sys_platform") == {"linux-x86_64", "linux-aarch64"}
    with pytest.raises(ValueError):
        marker_platforms("sys_platform ==")


def test_versions() -> None:
    pin = exact_pin(">=2.0,==2.7.1+cu128")
    assert pin is not None and (pin.version, pin.local) == ("2.7.1", "cu128")
    assert exact_pin(">=2.7") is None
    assert python_minors(">=3.9,<3.12") == ((3, 9), (3, 10), (3, 11))
    assert python_minors("~=3.10.2") == ((3, 10),)
    assert python_minors(">3.9") == tuple((3, m) for m in range(9, 17))
    assert python_minors("==3.11.*,!=3.11.*") == ()
    assert poetry_to_pep440("^3.9") == ">=3.9,<4"
    assert poetry_to_pep440("~3.10") == ">=3.10,<3.11"
    assert poetry_to_pep440("2.7.1+cu128") == "==2.7.1+cu128"
    fuzzy, build = conda_pin("2.4.1=cuda120*")
    assert fuzzy is not None and (fuzzy.version, fuzzy.wildcard, build) == (
        "2.4.1",
        False,
        "cuda120*",
    )
    series, _ = conda_pin("=2.5")
    assert series is not None and series.wildcard
    assert conda_pin(">=2.0")[0] is None


def test_ignore_comment_covers_a_continued_line() -> None:
    text = "torch==2.7.0+cu121 \\\n    --hash=sha256:aa  # torchenv: ignore[TE003]\nnumpy\n"
    doc = read_requirements(text, "requirements.txt")
    assert doc.ignores == {1: frozenset({"TE003"}), 2: frozenset({"TE003"})}
    docker = "RUN pip install \\\n    torch==2.7.0+cu121  # torchenv: ignore\n"
    assert read_dockerfile(docker, "Dockerfile").ignores[1] == frozenset({ALL_CODES})


@pytest.mark.parametrize(
    "url",
    [
        "https://download.pytorch.org/whl/cu128",
        "https://download.pytorch.org/whl/nightly/cpu/",
        "https://download.pytorch.org/whl/test/rocm6.2.4",
        "https://mirror.example/pytorch/whl/xpu/simple",
        "https://user:pass@mirror.example:8443/whl/cu126/index.html?x=1#frag",
        "https://download.pytorch.org/whl",
        "https://download.pytorch.org/whl/torch_stable.html",
        "https://pypi.org/simple",
        "file:///srv/wheels/cu118",
        "${PYTORCH_INDEX}",
    ],
)
def test_variant_url_parser_agrees_with_the_catalog(url: str) -> None:
    from torchenv.catalog.indexes import parse_variant_index_url
    from torchenv.check.context import parse_variant_url

    assert parse_variant_url(url) == parse_variant_index_url(url)
