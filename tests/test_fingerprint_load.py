"""load_fingerprint / fingerprint_from_args."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from torchenv.errors import InputError
from torchenv.fingerprint.detect import detect_fingerprint
from torchenv.fingerprint.load import fingerprint_from_args, load_fingerprint


def test_load_round_trips_a_detected_fingerprint(tmp_path: Path) -> None:
    fingerprint = detect_fingerprint()
    path = tmp_path / "fp.json"
    path.write_text(json.dumps(fingerprint.to_dict()))
    assert load_fingerprint(str(path)) == fingerprint


def test_json_error_carries_the_line(tmp_path: Path) -> None:
    path = tmp_path / "fp.json"
    path.write_text('{\n "schema": 1,\n "os": \n}')
    with pytest.raises(InputError) as info:
        load_fingerprint(str(path))
    assert info.value.path == str(path)
    assert info.value.line == 4


def test_wrong_types_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "fp.json"
    path.write_text(
        json.dumps(
            {
                "schema": 1,
                "os": "linux",
                "arch": "x86_64",
                "python": {"version": "3.11.9"},
                "accelerators": [
                    {"vendor": "nvidia", "devices": [{"name": "x", "memory_mib": "lots"}]}
                ],
            }
        )
    )
    with pytest.raises(InputError, match=r"accelerators\[0\]\.devices\[0\]\.memory_mib"):
        load_fingerprint(str(path))


def test_from_args_prefers_files(tmp_path: Path) -> None:
    fingerprint = detect_fingerprint()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        path.write_text(json.dumps(fingerprint.to_dict()))
    args = argparse.Namespace(fingerprint=[str(first), str(second)])
    assert fingerprint_from_args(args) == [fingerprint, fingerprint]


def test_from_args_detects_without_files() -> None:
    (fingerprint,) = fingerprint_from_args(argparse.Namespace(fingerprint=None))
    assert fingerprint.schema == 1
