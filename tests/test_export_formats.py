"""Every export format, read back with the parser its tool uses (PyYAML, tomllib, packaging)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from torchenv.cli.main import main
from torchenv.family import is_torch_family

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCKS = Path(__file__).parent.parent / "fixtures" / "export" / "locks"
CU128_TORCH_SHA = "628e89bd5110ced7debee2a57c69959725b7fbc64eab81a39dd70e46c7e28ba5"
FILELOCK_SHA = "d38e30481def20772f5baf097c122c3babc4fcdb7e14e57049eb9d88c6dc017d"


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["export", *argv]) == 0
    return capsys.readouterr().out


def requirement_lines(text: str) -> list[tuple[str, list[str]]]:
    """(requirement, hashes) per logical line of a pip requirements file."""
    logical = text.replace("\\\n", " ").splitlines()
    out = []
    for line in logical:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split(" --hash=")
        out.append((words[0].strip(), [w.strip() for w in words[1:]]))
    return out


def test_requirements_from_lock_is_hash_checked_and_routed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = export(
        capsys, "--format", "requirements", "--lock-dir", str(LOCKS), "--variant", "cu128"
    )
    assert "--extra-index-url" not in text
    assert "# command: torchenv export --format requirements" in text
    lines = requirement_lines(text)
    assert lines[0] == ("--index-url https://pypi.org/simple", [])
    parsed = {Requirement(r).name: (Requirement(r), hashes) for r, hashes in lines[1:]}
    assert set(parsed) == {"filelock", "torch", "torchvision", "torchaudio"}
    for name, (requirement, hashes) in parsed.items():
        assert hashes and all(h.startswith("sha256:") and len(h) == 71 for h in hashes)
        if is_torch_family(name):
            # the wheel URL is the route: no PyTorch --index-url needed next to PyPI
            assert requirement.url and requirement.url.startswith(
                "https://download.pytorch.org/whl/cu128/"
            )
        else:
            assert requirement.url is None and str(requirement.specifier) == "==3.19.1"
    assert parsed["torch"][1] == [f"sha256:{CU128_TORCH_SHA}"]
    assert parsed["filelock"][1] == [f"sha256:{FILELOCK_SHA}"]


def test_requirements_without_lock_torch_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = export(
        capsys, "--format", "requirements", "--target", "linux-x86_64-cu128", "--torch", "==2.7.1"
    )
    lines = requirement_lines(text)
    assert lines[0] == ("--index-url https://download.pytorch.org/whl/cu128", [])
    pins = {Requirement(r).name: str(Requirement(r).specifier) for r, _ in lines[1:]}
    assert pins == {
        "torch": "==2.7.1+cu128",
        "torchvision": "==0.22.1+cu128",
        "torchaudio": "==2.7.1+cu128",
    }
    assert "no hashes" in text


def test_requirements_without_lock_refuses_mixing(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["export", "--format", "requirements", "--target", "linux-x86_64-cu128", "numpy"]) == 2
    )
    err = capsys.readouterr().err
    assert "numpy" in err and "torchenv lock" in err and len(err.strip().splitlines()) == 1


def test_conda_pip_flavour(capsys: pytest.CaptureFixture[str]) -> None:
    text = export(
        capsys,
        "--format",
        "conda",
        "--lock-dir",
        str(LOCKS),
        "--variant",
        "cu128",
        "--name",
        "demo",
    )
    assert "CONDA_OVERRIDE_CUDA=12.8 conda env create -f environment.yml" in text
    data = yaml.safe_load(text)
    assert data["name"] == "demo" and data["channels"] == ["conda-forge"]
    deps = data["dependencies"]
    assert deps[:2] == ["python=3.12", "pip"]
    pip = deps[2]["pip"]
    assert pip[0] == "--index-url https://pypi.org/simple"
    assert not any("extra-index-url" in line for line in pip)
    for line in pip[1:]:
        requirement, _, hashes = line.partition(" --hash=")
        Requirement(requirement)
        assert hashes.startswith("sha256:")


def test_conda_forge_flavour(capsys: pytest.CaptureFixture[str]) -> None:
    text = export(
        capsys,
        "--format",
        "conda",
        "--conda-forge",
        "--target",
        "linux-x86_64-cu128",
        "--torch",
        "==2.7.1",
        "--python",
        "3.11",  # the default is the running interpreter's
    )
    deps = yaml.safe_load(text)["dependencies"]
    assert deps == [
        "python=3.11",
        "pytorch=2.7.1=cuda*",
        "cuda-version>=12.8,<13",
        "torchvision=0.22.1",
        "torchaudio=2.7.1",
    ]
    cpu = yaml.safe_load(
        export(
            capsys,
            "--format",
            "conda",
            "--conda-forge",
            "--target",
            "macos-arm64",
            "--torch",
            "==2.7.1",
        )
    )
    assert cpu["dependencies"][1] == "pytorch=2.7.1=cpu*"
    assert "CONDA_OVERRIDE_CUDA" not in export(
        capsys,
        "--format",
        "conda",
        "--conda-forge",
        "--target",
        "macos-arm64",
        "--torch",
        "==2.7.1",
    )


def test_conda_forge_has_no_rocm(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "export",
            "--format",
            "conda",
            "--conda-forge",
            "--target",
            "linux-x86_64-rocm6.3",
            "--torch",
            "==2.7.1",
        ]
    )
    assert code == 2
    assert "conda-forge has no rocm6.3" in capsys.readouterr().err


def test_uv_from_two_locks_routes_by_marker(capsys: pytest.CaptureFixture[str]) -> None:
    data = tomllib.loads(export(capsys, "--format", "uv", "--lock-dir", str(LOCKS)))
    uv = data["tool"]["uv"]
    assert uv["index"] == [
        {"name": "pytorch-cpu", "url": "https://download.pytorch.org/whl/cpu", "explicit": True},
        {
            "name": "pytorch-cu128",
            "url": "https://download.pytorch.org/whl/cu128",
            "explicit": True,
        },
    ]
    torch_sources = uv["sources"]["torch"]
    assert [s["index"] for s in torch_sources] == ["pytorch-cpu", "pytorch-cu128"]
    assert "darwin" in torch_sources[0]["marker"] and "linux" in torch_sources[1]["marker"]
    assert set(uv["sources"]) == {"torch", "torchvision", "torchaudio"}


def test_uv_same_platform_variants_become_conflicting_extras(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = export(
        capsys,
        "--format",
        "uv",
        "--target",
        "linux-x86_64-cpu",
        "--target",
        "linux-x86_64-cu128",
        "--torch",
        "==2.7.1",
    )
    data = tomllib.loads(text)
    extras = data["project"]["optional-dependencies"]
    assert {Requirement(r).name for r in extras["cu128"]} == {"torch", "torchvision", "torchaudio"}
    assert str(Requirement(extras["cpu"][0]).specifier) == "==2.7.1+cpu"
    assert data["tool"]["uv"]["conflicts"] == [[{"extra": "cpu"}, {"extra": "cu128"}]]
    assert {"index": "pytorch-cu128", "extra": "cu128"} in data["tool"]["uv"]["sources"]["torch"]


def test_pixi(capsys: pytest.CaptureFixture[str]) -> None:
    data = tomllib.loads(
        export(capsys, "--format", "pixi", "--lock-dir", str(LOCKS), "--name", "demo")
    )
    assert data["workspace"]["platforms"] == ["linux-64", "osx-arm64"]
    assert data["dependencies"] == {"python": "3.12.*"}
    assert data["pypi-dependencies"] == {"filelock": "==3.19.1"}
    cuda = data["feature"]["cu128"]
    assert cuda["system-requirements"] == {"cuda": "12"}
    assert cuda["target"]["linux-64"]["pypi-dependencies"]["torch"] == {
        "version": "==2.10.0+cu128",
        "index": "https://download.pytorch.org/whl/cu128",
    }
    mac = data["feature"]["cpu"]["target"]["osx-arm64"]["pypi-dependencies"]
    assert mac["torch"]["index"] == "https://download.pytorch.org/whl/cpu"
    assert "system-requirements" not in data["feature"]["cpu"]
    assert data["feature"]["cu128"]["platforms"] == ["linux-64"]
    assert data["feature"]["cpu"]["platforms"] == ["osx-arm64"]
    # one environment per variant: a CUDA requirement must not reach the macOS environment
    assert data["environments"] == {"cpu": ["cpu"], "cu128": ["cu128"]}
    single = tomllib.loads(
        export(capsys, "--format", "pixi", "--lock-dir", str(LOCKS), "--variant", "cu128")
    )
    assert single["environments"] == {"default": ["cu128"]}


def test_poetry(capsys: pytest.CaptureFixture[str]) -> None:
    data = tomllib.loads(export(capsys, "--format", "poetry", "--lock-dir", str(LOCKS)))
    sources = data["tool"]["poetry"]["source"]
    assert all(s["priority"] == "explicit" for s in sources)
    deps = data["tool"]["poetry"]["dependencies"]
    assert [c["source"] for c in deps["torch"]] == ["pytorch-cpu", "pytorch-cu128"]
    assert all("markers" in c for c in deps["torch"])
    assert deps["filelock"] == {"version": "==3.19.1"}


def test_pdm_one_variant(capsys: pytest.CaptureFixture[str]) -> None:
    data = tomllib.loads(
        export(capsys, "--format", "pdm", "--lock-dir", str(LOCKS), "--variant", "cu128")
    )
    default, pytorch = data["tool"]["pdm"]["source"]
    family = ["torch", "torchaudio", "torchvision"]
    assert default["url"] == "https://pypi.org/simple" and default["exclude_packages"] == family
    assert pytorch["url"] == "https://download.pytorch.org/whl/cu128"
    assert pytorch["include_packages"] == family
    assert main(["export", "--format", "pdm", "--lock-dir", str(LOCKS)]) == 2
    assert "--format uv" in capsys.readouterr().err


def _lock_with_credentials(tmp_path: Path) -> Path:
    text = (LOCKS / "pylock.cu128.toml").read_text()
    text = text.replace(
        "https://download.pytorch.org/", "https://alice:s3cret@download.pytorch.org/"
    )
    text = text.replace("https://pypi.org/simple", "https://bob:t0ken@pypi.example/simple")
    (tmp_path / "pylock.cu128.toml").write_text(text)
    return tmp_path


@pytest.mark.parametrize("fmt", ["requirements", "conda", "uv", "pixi", "poetry", "pdm"])
def test_credentials_never_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    folder = _lock_with_credentials(tmp_path)
    out = tmp_path / "out.txt"
    assert main(["export", "--format", fmt, "--lock-dir", str(folder), "-o", str(out)]) == 0
    text = out.read_text()
    assert "s3cret" not in text and "t0ken" not in text and "alice" not in text
    assert "download.pytorch.org" in text


def test_output_file_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "environment.yml"
    assert (
        main(
            [
                "export",
                "--format",
                "conda",
                "--lock-dir",
                str(LOCKS),
                "--variant",
                "cu128",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == ""
    assert yaml.safe_load(out.read_text())["dependencies"][0] == "python=3.12"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "docx"], "unknown export format 'docx'"),
        (["--format", "conda", "--variant", "rocm6.3"], "pylock.rocm6.3.toml: no such lock file"),
        (["--format", "pixi", "--write"], "--write"),
        (["--format", "conda", "--python", "3.10"], "--python comes from the lock"),
        (
            ["--format", "requirements", "--conda-forge", "--target", "macos-arm64"],
            "--conda-forge applies to --format conda",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert (
        main(
            ["export", "--lock-dir", str(LOCKS), *argv]
            if "--target" not in argv
            else ["export", *argv]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_invalid_lock_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(LOCKS / "pylock.cpu.toml", tmp_path / "pylock.cpu.toml")
    (tmp_path / "pylock.cu128.toml").write_text('lock-version = "1.0"\n[[packages]]\nname = 3\n')
    assert main(["export", "--format", "uv", "--lock-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pylock.cu128.toml" in err and "PEP 751" in err


def test_lock_in_cwd_is_the_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(LOCKS / "pylock.cu128.toml", tmp_path / "pylock.cu128.toml")
    monkeypatch.chdir(tmp_path)
    text = export(capsys, "--format", "requirements")
    assert "pins and hashes from pylock.cu128.toml" in text


MULTI = LOCKS.parent / "multiwheel"


def test_requirements_one_line_per_wheel_with_tag_markers(
    capsys: pytest.CaptureFixture[str],
) -> None:

    from torchenv.targets import marker_environment, parse_target

    text = export(capsys, "--format", "requirements", "--lock-dir", str(MULTI))
    lines = [Requirement(r) for r, hashes in requirement_lines(text)[1:]]
    assert [r.name for r in lines] == ["torch", "torch"]
    for platform in ("linux-x86_64", "windows-x86_64"):
        environment = marker_environment(parse_target(platform), "3.12")
        chosen = [r for r in lines if r.marker and r.marker.evaluate(environment)]
        assert len(chosen) == 1 and chosen[0].url
        assert ("win_amd64" in chosen[0].url) == (platform == "windows-x86_64")
    # Python 3.11 has no wheel in this lock: no line applies rather than a wrong one
    assert not any(
        r.marker and r.marker.evaluate(marker_environment(parse_target("linux-x86_64"), "3.11"))
        for r in lines
    )


def test_wheel_marker_refuses_wheels_it_cannot_tell_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (MULTI / "pylock.cpu.toml").read_text().replace("win_amd64", "manylinux_2_17_x86_64")
    (tmp_path / "pylock.cpu.toml").write_text(text)
    assert main(["export", "--format", "requirements", "--lock-dir", str(tmp_path)]) == 2
    assert "cannot tell apart" in capsys.readouterr().err


def test_json_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    text = export(
        capsys, "--format", "pdm", "--lock-dir", str(LOCKS), "--variant", "cu128", "--json"
    )
    envelope = json.loads(text)
    assert envelope["version"] == 1 and envelope["command"] == "export"
    assert envelope["data"]["format"] == "pdm" and envelope["data"]["locked"] is True
    assert (
        tomllib.loads(envelope["data"]["text"])["tool"]["pdm"]["source"][1]["name"]
        == "pytorch-cu128"
    )


@pytest.mark.parametrize("fmt", ["requirements", "uv", "poetry", "pdm"])
def test_credentials_stripped_from_flags(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    argv = ["--format", fmt, "--target", "linux-x86_64-cu128", "--torch", "==2.7.1"]
    argv += ["--pytorch-index-url", "https://u:s3cret@mirror.example/whl"]
    argv += ["--index-url", "https://u:t0ken@pypi.example/simple"]
    text = export(capsys, *argv)
    assert "s3cret" not in text and "t0ken" not in text and "u:" not in text
    assert "https://mirror.example/whl/cu128" in text
