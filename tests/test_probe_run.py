"""The shared command runner, plus the fake-executable helpers the detect tests use.

Fake executables are real programs written into a temporary directory: a small Python
script that answers from a fixture's recorded outputs (``bin/<command>.json``), or a shell
script that hangs or prints garbage.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, Optional

from torchenv.fingerprint.probes._run import find_executable, run_command

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "probes"

_REPLAY = """#!{python} -IS
import json, os, sys
spec = json.loads({spec!r})
folder = {folder!r}
args = " ".join(sys.argv[1:])
for response in spec["responses"]:
    if all(word in args for word in response["when"]):
        if response.get("unrecorded"):
            sys.stderr.write("fake {name}: no recording for: " + args + "\\n")
            sys.exit(2)
        for key, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
            if response.get(key):
                with open(os.path.join(folder, response[key]), encoding="utf-8") as handle:
                    stream.write(handle.read())
        sys.exit(response.get("exit", 0))
sys.stderr.write("fake {name}: no recording for: " + args + "\\n")
sys.exit(2)
"""


def write_script(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def write_replay(directory: Path, name: str, spec_file: Path) -> Path:
    """A fake ``name`` answering from the recordings next to ``spec_file``."""
    spec = spec_file.read_text()
    return write_script(
        directory,
        name,
        _REPLAY.format(python=sys.executable, spec=spec, folder=str(spec_file.parent), name=name),
    )


def install_case_bins(case_dir: Path, root: Path, bin_dir: Path) -> None:
    """Put each recorded command of a fixture case on ``bin_dir`` (or where it says)."""
    recorded = case_dir / "bin"
    if not recorded.is_dir():
        return
    for spec_file in sorted(recorded.glob("*.json")):
        spec: dict[str, Any] = json.loads(spec_file.read_text())
        target = bin_dir
        if spec.get("install_at"):
            target = root / spec["install_at"].lstrip("/")
        write_replay(target, spec_file.stem, spec_file)


def test_ok_command_output(tmp_path: Path) -> None:
    write_script(tmp_path, "hello", "#!/bin/sh\necho out; echo err >&2; exit 3\n")
    result = run_command(["hello", "x"], path=str(tmp_path), timeout=5)
    assert result.status == "ok"
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert not result.ok
    assert "exited 3: err" in result.describe()


def test_missing_command_is_a_marker_not_an_error(tmp_path: Path) -> None:
    result = run_command(["no-such-tool"], path=str(tmp_path), timeout=1)
    assert result.status == "missing"
    assert result.describe() == "no-such-tool not found"


def test_hanging_command_is_cut_off_quickly(tmp_path: Path) -> None:
    # The child keeps the pipes open: only killing the process group ends it.
    write_script(tmp_path, "nvidia-smi", "#!/bin/sh\n/bin/sleep 30 &\n/bin/sleep 30\n")
    started = time.monotonic()
    result = run_command(["nvidia-smi"], path=str(tmp_path), timeout=0.5)
    elapsed = time.monotonic() - started
    assert result.status == "timeout"
    assert elapsed < 2.0
    assert "did not answer within 0.5s" in result.describe()


def test_garbage_bytes_are_decoded_not_raised(tmp_path: Path) -> None:
    write_script(tmp_path, "garbage", "#!/bin/sh\nprintf '\\377\\376\\000junk'\n")
    result = run_command(["garbage"], path=str(tmp_path), timeout=5)
    assert result.ok
    assert "junk" in result.stdout


def test_unexecutable_file_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "tool").write_text("#!/bin/sh\n")
    assert find_executable("tool", str(tmp_path)) is None


def test_extra_dirs_are_searched_after_path(tmp_path: Path) -> None:
    write_script(tmp_path / "wsl", "nvidia-smi", "#!/bin/sh\necho wsl\n")
    found: Optional[str] = find_executable(
        "nvidia-smi", str(tmp_path / "empty"), [str(tmp_path / "wsl")]
    )
    assert found == os.path.join(str(tmp_path / "wsl"), "nvidia-smi")


def test_replay_helper_answers_from_recordings(tmp_path: Path) -> None:
    case = FIXTURES / "nvidia-470-geforce-truncated"
    install_case_bins(case, tmp_path / "root", tmp_path / "bin")
    query = run_command(
        ["nvidia-smi", "--query-gpu=index,compute_cap", "--format=csv"],
        path=str(tmp_path / "bin"),
        timeout=5,
    )
    assert query.returncode == 2
    assert 'Field "compute_cap" is not a valid field to query' in query.stdout
    table = run_command(["nvidia-smi"], path=str(tmp_path / "bin"), timeout=5)
    assert "Driver Version: 470.57.02" in table.stdout
