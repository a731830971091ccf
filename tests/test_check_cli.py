"""`torchenv check` end to end: output formats, exit codes, selection, ignores,
unreadable input, discovery, and that it stays offline (no index client imported)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torchenv.check.discover import FILE_PATTERN, discover, kind_for
from torchenv.cli.main import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "check"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_one_diagnostic_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "req-unpublished-variant" / "requirements.txt")
    code, out, err = _run(capsys, path)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{path}:3:1: TE003 torch 2.7.0+cu121: torch 2.7.0 was never")
    assert all(" (fix: " in line for line in lines)
    assert "4 problems in 1 file" in err


def test_clean_files_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(FIXTURES / "uv-good"), str(FIXTURES / "req-good"))
    assert (code, out) == (0, "")
    assert "2 files checked, no problems" in err


def test_json_format_and_common_json_flag(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "req-macos-cuda" / "requirements-macos.txt")
    code, out, _ = _run(capsys, "--format", "json", path)
    records = json.loads(out)
    assert code == 1
    assert [set(r) for r in records] == [
        {"path", "line", "col", "code", "message", "hint", "severity"}
    ] * 2
    assert [(r["line"], r["col"], r["code"]) for r in records] == [
        (1, 19, "TE007"),
        (2, 1, "TE001"),
    ]
    code2, out2, _ = _run(capsys, "--json", path)
    assert (code2, json.loads(out2)) == (code, records)


def test_select_and_ignore_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "req-unpublished-variant")
    _, out, _ = _run(capsys, "--json", "--select", "TE003,TE005", path)
    assert sorted({r["code"] for r in json.loads(out)}) == ["TE003", "TE005"]
    _, out, _ = _run(capsys, "--json", "--ignore", "TE00", path)
    assert json.loads(out) == []
    code, out, _ = _run(capsys, "--json", "--ignore", "TE003", "--ignore", "TE004,TE005", path)
    assert (code, json.loads(out)) == (0, [])


def test_inline_ignore_comments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The fixture ignores TE005 on line 3 and everything on line 4 (a TE002 otherwise).
    source = FIXTURES / "req-macos-cuda" / "requirements-macos.txt"
    _, out, _ = _run(capsys, "--json", str(source))
    assert {r["line"] for r in json.loads(out)} == {1, 2}
    stripped = tmp_path / "requirements-macos.txt"
    stripped.write_text(source.read_text().replace("# torchenv: ignore", "# reviewed"))
    _, out, _ = _run(capsys, "--json", str(stripped))
    assert {(r["line"], r["code"]) for r in json.loads(out)} >= {(4, "TE002")}


def test_unreadable_file_reported_and_others_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(FIXTURES / "unreadable"))
    assert code == 2
    assert "pyproject.toml:5:1: TE000 invalid TOML" in out
    assert "requirements.txt:1:1: TE003" in out
    assert "Traceback" not in out


def test_missing_and_unknown_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, str(tmp_path / "requirements.txt"))
    assert code == 2 and "TE000 cannot read" in out
    other = tmp_path / "setup.cfg"
    other.write_text("[metadata]\n")
    code, out, _ = _run(capsys, str(other))
    assert code == 2 and "not a file kind" in out


def test_discovery_in_git_repo_and_plain_tree(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "req-good", tmp_path / "repo")
    repo = tmp_path / "repo"
    (repo / ".venv" / "lib").mkdir(parents=True)
    (repo / ".venv" / "lib" / "requirements.txt").write_text("torch==0.0\n")
    (repo / "docker").mkdir()
    (repo / "docker" / "gpu.Dockerfile").write_text("FROM python:3.12\n")
    (repo / "README.md").write_text("x\n")
    plain = [os.path.relpath(p, repo) for p in discover(str(repo))]
    assert plain == [os.path.join("docker", "gpu.Dockerfile"), "requirements.txt"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text(".venv/\nignored/\n")
    (repo / "ignored").mkdir()
    (repo / "ignored" / "requirements.txt").write_text("x\n")
    found = [os.path.relpath(p, repo) for p in discover(str(repo))]
    assert found == [os.path.join("docker", "gpu.Dockerfile"), "requirements.txt"]


def test_kinds_and_hook_pattern_agree() -> None:
    import re

    names = {
        "requirements.txt": "requirements",
        "requirements-dev.in": "requirements",
        "dev-requirements.txt": "requirements",
        "pyproject.toml": "pyproject",
        "environment.yml": "conda",
        "environment-cuda.yaml": "conda",
        "pylock.toml": "pylock",
        "pylock.cu128.toml": "pylock",
        "pixi.toml": "pixi",
        "Dockerfile": "dockerfile",
        "Dockerfile.gpu": "dockerfile",
        "train.Dockerfile": "dockerfile",
        "Containerfile": "dockerfile",
        "setup.cfg": None,
        "requirements.yaml": None,
    }
    pattern = re.compile(FILE_PATTERN)
    for name, kind in names.items():
        assert kind_for(f"sub/{name}") == kind, name
        assert bool(pattern.search(f"sub/{name}")) == (kind is not None), name


def test_check_never_imports_the_network_stack(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from torchenv.cli.main import main\n"
        f"code = main(['check', '--json', {str(FIXTURES)!r}])\n"
        "heavy = sorted(m for m in sys.modules if m == 'httpx' or m.startswith(("
        "'httpx.', 'torchenv.index', 'torchenv.resolve', 'resolvelib', 'torchenv.select', "
        "'packaging.tags', 'yaml')))\n"
        "print('HEAVY', heavy, code, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert "HEAVY [] 2" in result.stderr, result.stderr[-2000:]
    assert json.loads(result.stdout)


def test_exclude_globs_skip_discovered_files(capsys: pytest.CaptureFixture[str]) -> None:
    root = str(FIXTURES)
    code, out, _ = _run(capsys, "--json", "--exclude", f"{root}/*", root)
    assert (code, json.loads(out)) == (0, [])
    _, out, _ = _run(capsys, "--json", "--exclude", "*/unreadable/*", "--exclude", "*.yml", root)
    paths = {r["path"] for r in json.loads(out)}
    assert paths and not any("unreadable" in p or p.endswith(".yml") for p in paths)
    # A file named explicitly is always checked.
    named = str(FIXTURES / "req-unpinned" / "requirements-gpu.txt")
    code, out, _ = _run(capsys, "--json", "--exclude", "*", named)
    assert code == 1 and json.loads(out)[0]["code"] == "TE009"


def test_files_without_torch_pins_do_not_load_the_catalog(tmp_path: Path) -> None:
    dev = tmp_path / "requirements-dev.txt"
    dev.write_text("pytest>=8\n--extra-index-url https://download.pytorch.org/whl/cpu\n")
    script = (
        "import sys\n"
        "from torchenv.cli.main import main\n"
        f"code = main(['check', '--json', {str(dev)!r}])\n"
        "print('LOADED', 'torchenv.catalog.model' in sys.modules, code, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    # TE007 is still found: index rules need no release data.
    assert "LOADED False 1" in result.stderr, result.stderr[-2000:]
    assert [r["code"] for r in json.loads(result.stdout)] == ["TE007"]


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("pyproject.toml", '[project]\ndependencies = "torch"\n', 2, "must be an array"),
        ("pyproject.toml", "[tool.poetry]\ndependencies = 3\n", 2, "must be a table"),
        ("pyproject.toml", '[[tool.pdm.source]]\nurl = "u"\ninclude_packages = 5\n', 1, ""),
        ("pixi.toml", "[workspace]\nchannels = 5\n", 2, "must be an array"),
        ("environment.yml", "dependencies:\n  pytorch: 2\n", 2, "must be a list"),
        ("requirements.txt", "torch ; sys_platform ==\n", 1, "marker"),
        ("requirements.txt", "numpy\n-c\n", 2, "needs a value"),
        ("Dockerfile", "# base\nFROM\n", 2, "FROM without an image"),
    ],
)
def test_malformed_structures_are_one_line_te000(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    line: int,
    fragment: str,
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, out, err = _run(capsys, "--json", str(path))
    [record] = json.loads(out)
    assert (code, record["code"], record["line"]) == (2, "TE000", line)
    assert fragment in record["message"]
    assert "Traceback" not in err


def test_verbose_lists_the_files_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "-v", str(FIXTURES / "pixi-good"))
    assert (code, out) == (0, "")
    assert "pixi.toml (pixi)" in err


def test_list_rules_matches_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--list-rules", "--json")
    rules = json.loads(out)
    assert code == 0 and [r["code"] for r in rules] == [f"TE{n:03d}" for n in range(16)]
    docs = (FIXTURES.parent.parent / "docs" / "check.md").read_text()
    for rule in rules:
        assert f"### {rule['code']}: " in docs
