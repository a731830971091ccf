"""`torchenv detect` end to end: summary, --json, --fingerprint round trip, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from torchenv.cli.main import main
from torchenv.fingerprint.model import Fingerprint


def test_json_contract_through_a_real_process() -> None:
    env = dict(os.environ)
    for name in ("TORCHENV_CUDA_VERSION", "CONDA_OVERRIDE_CUDA", "TORCHENV_COMPUTE_CAPABILITY"):
        env.pop(name, None)
    completed = subprocess.run(
        [sys.executable, "-m", "torchenv", "detect", "--json"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["schema"] == 1
    assert data["os"] in ("linux", "macos", "windows")
    assert data["arch"]
    assert data["python"]["tag"] == f"cp{sys.version_info[0]}{sys.version_info[1]}"
    assert data["python"]["version"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert isinstance(data["accelerators"], list)
    for accelerator in data["accelerators"]:
        for key in (
            "vendor",
            "driver_version",
            "cuda_version",
            "rocm_version",
            "devices",
            "source",
        ):
            assert key in accelerator
    Fingerprint.from_dict(data)


def test_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "--no-color"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OS ")
    assert "Python" in out
    assert "Accelerators" in out or "[source:" in out


def _saved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["detect", "--json"]) == 0
    path = tmp_path / "host.json"
    path.write_text(capsys.readouterr().out)
    return path


def test_fingerprint_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _saved(tmp_path, capsys)
    assert main(["detect", "--json", "--fingerprint", str(path)]) == 0
    again = capsys.readouterr().out
    assert json.loads(again) == json.loads(path.read_text())


def test_fingerprint_of_another_machine(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = {
        "schema": 1,
        "os": "linux",
        "arch": "x86_64",
        "python": {"version": "3.12.3", "tag": "cp312"},
        "accelerators": [
            {
                "vendor": "nvidia",
                "driver_version": "570.86.15",
                "cuda_version": "12.8",
                "devices": [{"index": 0, "name": "NVIDIA TITAN V", "compute_capability": "7.0"}],
                "source": "nvidia-smi",
            }
        ],
    }
    path = tmp_path / "teammate.json"
    path.write_text(json.dumps(data))
    assert main(["detect", "--fingerprint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "driver 570.86.15, CUDA <= 12.8" in out
    assert "NVIDIA TITAN V, compute capability 7.0" in out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"schema": 1,\n  "os": linux}', ":2: not valid JSON"),
        ('{"schema": 1, "os": "plan9", "arch": "x", "python": {"version": "3.11"}}', "os: 'plan9'"),
        ('{"schema": 7}', "schema: version 7 is not supported"),
        ("[]", "expected an object"),
    ],
)
def test_malformed_fingerprint_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["detect", "--fingerprint", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert fragment in lines[0]


def test_missing_fingerprint_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert main(["detect", "--fingerprint", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "cannot read fingerprint" in err
