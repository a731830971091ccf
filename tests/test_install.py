"""`torchenv install`: choosing the lock, refusing what cannot run, installing with hashes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from torchenv.cli.main import main
from torchenv.errors import ResolutionError
from torchenv.lock.install_plan import (
    choose_variant,
    plan_install,
    requirements_text,
    variant_blocker,
)
from torchenv.lock.pylock import target_marker, write_lock
from torchenv.targets import marker_environment, parse_target, supported_tags
from wheelmaker import make_wheel

LINUX = parse_target("linux-x86_64")
MAC = parse_target("macos-arm64")


def _document(
    wheels: list[Path], environments: list[str], marker: dict[str, str]
) -> dict[str, Any]:
    packages = []
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        package: dict[str, Any] = {"name": name, "version": version}
        if name in marker:
            package["marker"] = marker[name]
        package["wheels"] = [
            {
                "name": wheel.name,
                "url": wheel.as_uri(),
                "size": wheel.stat().st_size,
                "hashes": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
            }
        ]
        packages.append(package)
    return {
        "lock-version": "1.0",
        "environments": environments,
        "requires-python": ">=3.9",
        "created-by": "torchenv",
        "packages": packages,
    }


def test_choose_variant() -> None:
    assert choose_variant(["cpu", "cu128"], None, "cu128", ())[0] == "cu128"
    variant, reasons = choose_variant(["cpu"], None, "cu128", ())
    assert variant == "cpu" and "cu128 has no lock file here" in reasons[0]
    with pytest.raises(ResolutionError, match=r"no pylock\.rocm6\.4\.toml here"):
        choose_variant(["cpu"], "rocm6.4", None, ())


def test_cuda_lock_refused_on_macos(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "tinya", "1.0")
    document = _document([wheel], [target_marker(LINUX)], {})
    with pytest.raises(ResolutionError, match="cannot run on macos-arm64"):
        plan_install(
            "cu128",
            "pylock.cu128.toml",
            document,
            marker_environment(MAC, "3.11"),
            supported_tags(MAC, "3.11"),
            "macos-arm64",
        )


def test_markers_pick_packages(tmp_path: Path) -> None:
    a, b = make_wheel(tmp_path, "tinya", "1.0"), make_wheel(tmp_path, "tinyb", "2.0")
    document = _document(
        [a, b], [target_marker(LINUX), target_marker(MAC)], {"tinyb": target_marker(MAC)}
    )
    plan = plan_install(
        "cpu",
        "x",
        document,
        marker_environment(LINUX, "3.11"),
        supported_tags(LINUX, "3.11"),
        "linux-x86_64",
    )
    assert [w.name for w in plan.wheels] == ["tinya"]
    assert requirements_text(plan).startswith(f"tinya @ {a.as_uri()} --hash=sha256:")


def test_install_into_fresh_venv_with_hashes(tmp_path: Path, capsys: Any) -> None:
    wheels = [
        make_wheel(tmp_path, "tinya", "1.0", requires=("tinyb",)),
        make_wheel(tmp_path, "tinyb", "2.0"),
    ]
    document = _document(wheels, [], {})
    del document["environments"]
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir()
    write_lock(str(lock_dir / "pylock.cpu.toml"), document, "test")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    args = [
        "install",
        "--variant",
        "cpu",
        "--lock-dir",
        str(lock_dir),
        "--installer",
        "pip",
        "--python-exe",
        str(python),
    ]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "variant: cpu" in out and "tinya 1.0" in out
    assert main(args) == 0
    check = subprocess.run(
        [str(python), "-c", "import tinya, tinyb; print(tinya.__version__, tinyb.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.split() == ["1.0", "2.0"]
    # A tampered wheel must fail hash checking.
    wheels[0].write_bytes(wheels[0].read_bytes() + b"x")
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "tinya"], check=True)
    assert main(args) == 2


@pytest.mark.parametrize(
    ("variant", "os_name", "vendors", "blocked"),
    [
        ("cpu", "linux", [], None),
        ("cu128", "linux", ["nvidia"], None),
        ("cu128", "linux", [], "no nvidia GPU"),
        ("cu128", "linux", ["amd"], "no nvidia GPU"),
        ("cu128", "macos", ["apple"], "macOS has no CUDA"),
        ("rocm6.3", "linux", ["nvidia"], "no amd GPU"),
        ("rocm6.3", "linux", ["amd"], None),
        ("xpu", "windows", ["intel"], None),
    ],
)
def test_variant_blocker(
    variant: str, os_name: str, vendors: list[str], blocked: Optional[str]
) -> None:
    reason = variant_blocker(variant, os_name, vendors)
    if blocked is None:
        assert reason is None
    else:
        assert reason is not None and blocked in reason


UV = Path(sys.executable).parent / "uv"


@pytest.mark.skipif(not UV.exists(), reason="uv is not installed next to this Python")
def test_install_with_uv_reads_the_pylock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    wheels = [make_wheel(tmp_path, "tinyc", "3.0")]
    document = _document(wheels, [], {})
    del document["environments"]
    write_lock(str(tmp_path / "pylock.cpu.toml"), document, "test")
    venv = tmp_path / "uvvenv"
    subprocess.run([str(UV), "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    monkeypatch.setenv("PATH", f"{UV.parent}:{os.environ.get('PATH', '')}")
    python = venv / "bin" / "python"
    args = ["install", "--variant", "cpu", "--lock-dir", str(tmp_path), "--python-exe", str(python)]
    assert main(args) == 0
    assert "with uv" in capsys.readouterr().out
    check = subprocess.run(
        [str(python), "-c", "import tinyc; print(tinyc.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip() == "3.0"
