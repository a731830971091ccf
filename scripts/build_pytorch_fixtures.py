#!/usr/bin/env python3
"""Build fixtures/index/pytorch/whl/<variant>/torch/index.html + .metadata sidecars.

Inputs (all in the repository): the real download.pytorch.org entries in
fixtures/index/samples (torch-cu128-2.7.0.txt: 18 served anchors; torch-cpu-2.7.0.txt:
6 uv.lock entries) and the real PyPI torch 2.7.0 METADATA in fixtures/index/pypi.
Only filenames and sha256 values that appear in those samples are used; no filename is
made up. The METADATA sidecars are DERIVED (see PROVENANCE.md written next to them).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures/index/samples"
PYPI = ROOT / "fixtures/index/pypi/torch"
OUT = ROOT / "fixtures/index/pytorch/whl"
TIMESTAMP = 1675892605  # the value in the real page sample (test-infra), reused as is

# nvidia-*-cu12 versions installed with torch 2.7.x+cu128 in public environment listings
# (pip freeze / collect_env outputs found by exact-string search); see PROVENANCE.md.
CU128_PINS = {
    "nvidia-cuda-nvrtc-cu12": "12.8.61",
    "nvidia-cuda-runtime-cu12": "12.8.57",
    "nvidia-cuda-cupti-cu12": "12.8.57",
    "nvidia-cudnn-cu12": "9.7.1.26",
    "nvidia-cublas-cu12": "12.8.3.14",
    "nvidia-cufft-cu12": "11.3.3.41",
    "nvidia-curand-cu12": "10.3.9.55",
    "nvidia-cusolver-cu12": "11.7.2.55",
    "nvidia-cusparse-cu12": "12.5.7.53",
    "nvidia-cusparselt-cu12": "0.6.3",
    "nvidia-nccl-cu12": "2.26.2",
    "nvidia-nvtx-cu12": "12.8.55",
    "nvidia-nvjitlink-cu12": "12.8.61",
    "nvidia-cufile-cu12": "1.13.0.11",
}


def pypi_metadata(filename: str) -> str:
    page = json.loads((PYPI / "index.json").read_text())
    entry = next(e for e in page["files"] if e["filename"] == filename)
    digest = entry["core-metadata"]["sha256"]
    return (PYPI / "metadata" / f"{digest}.metadata").read_text()


def derive(text: str, local: str) -> str:
    lines = []
    for line in text.split("\n"):
        if line.startswith("Version: "):
            line = f"Version: 2.7.0+{local}"
        match = re.match(r"Requires-Dist: (nvidia-[a-z0-9-]+|triton)\s*==", line)
        if match and local == "cpu":
            continue  # the CPU build needs no CUDA libraries and no triton
        if match and local == "cu128" and match.group(1) in CU128_PINS:
            name = match.group(1)
            line = re.sub(r"==\s*[0-9.]+", f"=={CU128_PINS[name]}", line)
        lines.append(line)
    return "\n".join(lines)


def rows(sample: str) -> list[tuple[str, str]]:
    found = []
    for line in (SAMPLES / sample).read_text().splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            found.append((fields[0], fields[1]))
    return found


def build(variant: str, sample: str) -> None:
    directory = OUT / variant
    (directory / "torch").mkdir(parents=True, exist_ok=True)
    linux = derive(pypi_metadata("torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl"), variant)
    windows = derive(pypi_metadata("torch-2.7.0-cp311-cp311-win_amd64.whl"), variant)
    anchors = []
    for filename, sha in rows(sample):
        metadata = windows if "win_amd64" in filename else linux
        data = metadata.encode()
        (directory / f"{filename}.metadata").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        quoted = filename.replace("+", "%2B")
        href = f"/whl/{variant}/{quoted}" + (f"#sha256={sha}" if sha != "-" else "")
        anchors.append(
            (
                quoted,
                f'    <a href="{href}" data-dist-info-metadata="sha256={digest}"'
                f' data-core-metadata="sha256={digest}">{filename}</a><br/>',
            )
        )
    anchors.sort(key=lambda pair: pair[0].encode())  # S3 key order, '%2B' encoded
    page = (
        "<!DOCTYPE html>\n<html>\n  <body>\n    <h1>Links for torch</h1>\n"
        + "\n".join(a for _, a in anchors)
        + f"\n  </body>\n</html>\n<!--TIMESTAMP {TIMESTAMP}-->\n"
    )
    (directory / "torch" / "index.html").write_text(page)


if __name__ == "__main__":
    build("cu128", "torch-cu128-2.7.0.txt")
    build("cpu", "torch-cpu-2.7.0.txt")
