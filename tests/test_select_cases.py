"""Table-driven selection tests: every case in tests/data/select_cases.json.

A case names a ``machine`` (a compact fingerprint, expanded here into a schema-1
fingerprint document and parsed with ``Fingerprint.from_dict``) or a ``target`` string,
the request (``torch``, ``python``, ``channel``, ``cuda_compat``, ``index_base``) and
what must come out. Expected values were derived from the reference facts by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from torchenv.fingerprint.model import Fingerprint
from torchenv.select import Selection, select

CASES_FILE = Path(__file__).parent / "data" / "select_cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def _device(index: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"index": index, "name": name, **extra}


def machine_fingerprint(spec: dict[str, Any]) -> Fingerprint:
    """Expand the compact machine description into a real fingerprint document."""
    py = spec.get("python", "3.11")
    tag = "cp" + py.replace(".", "")
    os_name = spec.get("os", "linux")
    libc = spec.get("libc", ["glibc", "2.35"] if os_name == "linux" else [None, None])
    doc: dict[str, Any] = {
        "schema": 1,
        "os": os_name,
        "os_version": spec.get("os_version"),
        "arch": spec.get("arch", "arm64" if os_name == "macos" else "x86_64"),
        "libc": {"family": libc[0], "version": libc[1]},
        "python": {
            "implementation": spec.get("implementation", "cpython"),
            "version": py + ".4",
            "tag": tag,
            "abi": tag,
        },
        "accelerators": [],
        "environment": spec.get("env", {}),
    }
    if "nvidia" in spec:
        nv = spec["nvidia"]
        doc["accelerators"].append(
            {
                "vendor": "nvidia",
                "source": "test",
                "driver_version": nv["driver"],
                "cuda_version": nv["cuda"],
                "devices": [
                    _device(
                        i,
                        gpu[0],
                        compute_capability=gpu[1],
                        visible=gpu[2] if len(gpu) > 2 else True,
                    )
                    for i, gpu in enumerate(nv["gpus"])
                ],
            }
        )
    if "amd" in spec:
        doc["accelerators"].append(
            {
                "vendor": "amd",
                "source": "test",
                "devices": [_device(i, g[0], gfx=g[1]) for i, g in enumerate(spec["amd"])],
            }
        )
    if "intel" in spec:
        intel = spec["intel"]
        evidence = (
            [{"probe": "intel.level-zero", "source": "/usr/lib/libze_loader.so.1"}]
            if intel["level_zero"]
            else []
        )
        doc["accelerators"].append(
            {
                "vendor": "intel",
                "source": "pci",
                "kind": intel["kind"],
                "devices": [_device(i, g) for i, g in enumerate(intel["gpus"])],
                "evidence": evidence,
            }
        )
    if "apple" in spec:
        doc["accelerators"].append(
            {
                "vendor": "apple",
                "source": "test",
                "devices": [_device(i, g) for i, g in enumerate(spec["apple"])],
            }
        )
    return Fingerprint.from_dict(doc)


def run_case(case: dict[str, Any]) -> Selection:
    subject: Any = case.get("target") or machine_fingerprint(case.get("machine", {}))
    python = case.get("python", "3.11" if "target" in case else None)
    return select(
        subject,
        torch=case.get("torch"),
        python=python,
        channel=case.get("channel", "stable"),
        cuda_compat=case.get("cuda_compat", "minor"),
        index_base=case.get("index_base"),
    )


def _contains_all(haystack: str, needles: list[str], what: str) -> None:
    for needle in needles:
        assert needle in haystack, f"{what}: {needle!r} not in {haystack!r}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_select_case(case: dict[str, Any]) -> None:
    result = run_case(case)
    expect = case["expect"]
    joined_reasons = "\n".join(result.reasons)
    if "error" in expect:
        assert result.error is not None, f"expected an error, got {result.to_dict()}"
        _contains_all(result.error, expect["error"], "error")
        assert result.torch is None and result.wheel is None
    else:
        assert result.error is None, f"unexpected error: {result.error}"
    for key in ("backend", "torch", "wheel", "index_url", "torchvision", "torchaudio", "verified"):
        if key in expect:
            assert getattr(result, key) == expect[key], (key, result.to_dict())
    for backend in expect.get("not_backend", []):
        assert result.backend != backend
    if "wheel_prefix" in expect:
        assert (result.wheel or "").startswith(expect["wheel_prefix"]), result.wheel
    _contains_all(joined_reasons, expect.get("reasons", []), "reasons")
    for backend, fragment in expect.get("rejected", []):
        matching = [r.reason for r in result.rejected if r.backend == backend]
        assert any(fragment in reason for reason in matching), (backend, fragment, matching)
    text = json.dumps(result.to_dict())
    for secret in expect.get("absent", []):
        assert secret not in text


def test_case_table_is_large_and_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


def test_json_shape_has_contract_keys() -> None:
    result = run_case({"target": "linux-x86_64-cu128", "torch": "==2.7.1"})
    data = result.to_dict()
    for key in (
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
    ):
        assert key in data
    assert data["target"] == "linux-x86_64-cu128"
