"""Every recorded machine under fixtures/probes/<case>/ run through detect_fingerprint.

Each case is a fake sysroot (``root/``), recorded command outputs replayed by real fake
executables (``bin/``), the platform to pretend (``case.json``) and the facts the
fingerprint must show (``expected.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_probe_run import FIXTURES, install_case_bins
from torchenv.fingerprint.detect import detect_fingerprint
from torchenv.fingerprint.model import Fingerprint

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


def run_case(name: str, tmp_path: Path, timeout: float = 5.0) -> Fingerprint:
    case_dir = FIXTURES / name
    setup: dict[str, Any] = json.loads((case_dir / "case.json").read_text())
    root = tmp_path / "root"
    if (case_dir / "root").is_dir():
        import shutil

        shutil.copytree(case_dir / "root", root)
    root.mkdir(exist_ok=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    install_case_bins(case_dir, root, bin_dir)
    return detect_fingerprint(
        root=str(root),
        path=str(bin_dir),
        env=setup.get("env", {}),
        timeout=timeout,
        system=setup["system"],
        machine=setup["machine"],
    )


def _check_notes(notes: tuple[str, ...], wanted: list[str], where: str) -> None:
    for fragment in wanted:
        assert any(fragment in note for note in notes), (
            f"{where}: no note with {fragment!r} in {notes}"
        )


def test_there_are_enough_cases() -> None:
    nvidia = [c for c in CASES if c.startswith(("nvidia", "wsl2", "windows"))]
    assert len(nvidia) >= 12
    assert len([c for c in CASES if c.startswith("amd")]) >= 3
    for case in CASES:
        assert (FIXTURES / case / "PROVENANCE.md").is_file(), case


@pytest.mark.parametrize("name", CASES)
def test_case_matches_expected(name: str, tmp_path: Path) -> None:
    expected: dict[str, Any] = json.loads((FIXTURES / name / "expected.json").read_text())
    fingerprint = run_case(name, tmp_path)
    data = fingerprint.to_dict()
    for key in ("os", "arch", "os_version"):
        if key in expected:
            assert data[key] == expected[key], key
    for key in ("libc", "environment"):
        for field, value in expected.get(key, {}).items():
            assert data[key][field] == value, f"{key}.{field}"
    if "python_platform_tags_start" in expected:
        tags = data["python"]["platform_tags"]
        assert (
            tags[: len(expected["python_platform_tags_start"])]
            == expected["python_platform_tags_start"]
        )
    _check_notes(fingerprint.notes, expected.get("notes_contain", []), "fingerprint")
    wanted_accelerators = expected["accelerators"]
    assert [a["vendor"] for a in data["accelerators"]] == [a["vendor"] for a in wanted_accelerators]
    for got, want in zip(fingerprint.accelerators, wanted_accelerators):
        got_dict = got.to_dict()
        for field, value in want.items():
            if field == "devices":
                assert len(got.devices) == len(value), [d.name for d in got.devices]
                for device, want_device in zip(got_dict["devices"], value):
                    for device_field, device_value in want_device.items():
                        assert device[device_field] == device_value, (
                            f"device {device['index']}.{device_field}"
                        )
            elif field == "notes_contain":
                _check_notes(got.notes, value, got.vendor)
            else:
                assert got_dict[field] == value, field
    # Whatever was found round-trips through the schema-1 JSON form.
    assert Fingerprint.from_dict(json.loads(json.dumps(data))) == fingerprint


def test_every_fact_carries_evidence(tmp_path: Path) -> None:
    fingerprint = run_case("nvidia-570-mixed-titanv-rtx5880", tmp_path)
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None
    for device in nvidia.devices:
        assert device.evidence and device.evidence[0].probe == "nvidia.smi"
        assert "--query-gpu=" in device.evidence[0].source
    assert any(e.source == "env:CUDA_VISIBLE_DEVICES" for e in nvidia.evidence)
