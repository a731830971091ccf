"""Atomic writes: whole files only, the mode a plain open() gives, no temporary left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from torchenv._atomic import write_bytes_atomic, write_text_atomic

posix_modes = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@posix_modes
def test_new_file_gets_0666_less_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "pylock.cpu.toml", "lock\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "pylock.cpu.toml").stat().st_mode) == 0o644


@posix_modes
def test_replacing_keeps_the_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("durable", [True, False])
def test_content_is_replaced_and_no_temporary_is_left(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "deep" / "out.bin"
    write_bytes_atomic(target, b"one", durable=durable)
    write_bytes_atomic(target, b"two", durable=durable)
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "pylock.toml"
    target.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["pylock.toml"]
