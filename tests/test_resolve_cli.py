"""`torchenv resolve`: the --json contract, exit codes, human output, index precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from torchenv.cli.main import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "select"
CONTRACT_KEYS = {
    "target",
    "backend",
    "index_url",
    "torch",
    "torchvision",
    "torchaudio",
    "wheel",
    "reasons",
    "rejected",
    "error",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["resolve", "--json", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray pyproject.toml
    monkeypatch.delenv("TORCHENV_PYTORCH_INDEX_URL", raising=False)


def test_json_list_one_object_per_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(
        capsys,
        "--target",
        "linux-x86_64-cu128",
        "--target",
        "macos-arm64",
        "--torch",
        "==2.7.1",
        "--python",
        "3.11",
    )
    assert code == 0
    assert [d["target"] for d in data] == ["linux-x86_64-cu128", "macos-arm64"]
    for item in data:
        assert set(item) >= CONTRACT_KEYS
    first, second = data
    assert first["torch"] == "2.7.1+cu128"
    assert first["wheel"] == "torch-2.7.1+cu128-cp311-cp311-manylinux_2_28_x86_64.whl"
    assert first["torchvision"] == "0.22.1+cu128"
    assert first["index_url"] == "https://download.pytorch.org/whl/cu128"
    assert first["error"] is None
    assert second["wheel"] == "torch-2.7.1-cp311-none-macosx_11_0_arm64.whl"
    assert isinstance(second["rejected"], list)


def test_any_failing_target_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "--target", "linux-x86_64", "--target", "macos-arm64-cu128")
    assert code == 2
    assert data[0]["error"] is None
    assert "macOS" in str(data[1]["error"])
    assert data[1]["wheel"] is None


def test_fingerprint_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(
        capsys,
        "--fingerprint",
        str(FIXTURES / "gtx1080ti-linux.json"),
        "--fingerprint",
        str(FIXTURES / "rtx5090-linux.json"),
    )
    assert code == 0
    gtx, rtx = data
    assert gtx["backend"] == "cu126" and gtx["torch"] == "2.14.1+cu126"
    assert str(gtx["wheel"]).endswith("-cp312-cp312-manylinux_2_28_x86_64.whl")
    assert rtx["backend"] == "cu128"
    assert any(r["backend"] == "cu126" and "sm_120" in r["reason"] for r in rtx["rejected"])  # type: ignore[union-attr,index]


def test_unsatisfiable_requirement_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(
        capsys, "--fingerprint", str(FIXTURES / "rtx5090-linux.json"), "--torch", "==2.5.1"
    )
    assert code == 2
    assert "2.7.0 (cu128) is the first" in str(data[0]["error"])


def test_bad_target_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["resolve", "--target", "plan9-mips"])
    err = capsys.readouterr().err
    assert code == 2
    assert "plan9-mips" in err and "Traceback" not in err


def test_bad_torch_spec_and_python(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--target", "linux-x86_64", "--torch", ">>2"]) == 2
    assert "--torch" in capsys.readouterr().err
    assert main(["resolve", "--target", "linux-x86_64", "--python", "three"]) == 2
    assert "--python" in capsys.readouterr().err


def test_bad_fingerprint_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "fp.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["resolve", "--fingerprint", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_index_url_precedence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TORCHENV_PYTORCH_INDEX_URL", "https://env.example/whl")
    _, data = run_json(capsys, "--target", "linux-x86_64")
    assert data[0]["index_url"] == "https://env.example/whl/cpu"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.torchenv]\npytorch-index-url = "https://u:tok3n@proj.example/whl"\n',
        encoding="utf-8",
    )
    _, data = run_json(capsys, "--target", "linux-x86_64")
    assert data[0]["index_url"] == "https://proj.example/whl/cpu"
    code = main(
        ["resolve", "--target", "linux-x86_64", "--pytorch-index-url", "https://flag.example/whl"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "https://flag.example/whl/cpu" in out and "tok3n" not in out


def test_bad_pyproject_names_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.torchenv\npytorch-index-url = "https://x"\n', encoding="utf-8"
    )
    assert main(["resolve", "--target", "linux-x86_64"]) == 2
    assert "pyproject.toml" in capsys.readouterr().err


def test_human_output_has_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["resolve", "--fingerprint", str(FIXTURES / "gtx1080ti-linux.json"), "--no-color"])
    out = capsys.readouterr().out
    assert code == 0
    for fragment in (
        "backend      cu126",
        "index        https://download.pytorch.org/whl/cu126",
        "torch        2.14.1+cu126",
        "wheel        torch-2.14.1+cu126-cp312-cp312-manylinux_2_28_x86_64.whl",
        "torchvision  0.29.1+cu126",
        "why:",
        "rejected:",
        "no kernels for sm_61",
    ):
        assert fragment in out


def test_channel_and_strict_flags(capsys: pytest.CaptureFixture[str]) -> None:
    _, data = run_json(
        capsys, "--target", "linux-x86_64-cu130", "--channel", "nightly", "--python", "3.12"
    )  # an explicit Python: the default is the running one, and cu130 needs >= 3.10
    assert data[0]["index_url"] == "https://download.pytorch.org/whl/nightly/cu130"
    assert data[0]["torch"] is None
    _, data = run_json(
        capsys,
        "--fingerprint",
        str(FIXTURES / "gtx1080ti-linux.json"),
        "--cuda-compat",
        "strict",
    )
    assert any("strict" in r for r in data[0]["reasons"])  # type: ignore[union-attr]


def test_this_machine_without_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No target: the machine is detected (here replaced by a fixture fingerprint)."""
    from torchenv.fingerprint import load

    fingerprint = load.load_fingerprint(str(FIXTURES / "rtx5090-linux.json"))
    monkeypatch.setattr(
        "torchenv.fingerprint.detect.detect_fingerprint", lambda *a, **k: fingerprint
    )
    code = main(["resolve", "--no-color"])
    out = capsys.readouterr().out
    assert code == 0
    assert "RTX 5090" in out.split("linux-x86_64\n")[0]  # the summary comes first
    assert "torch        2.11.0+cu128" in out
