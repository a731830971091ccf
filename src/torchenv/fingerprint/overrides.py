"""Environment variables that force accelerator facts, to resolve for another machine
or to correct what detection could not see.

torchenv's own variables win over the peers' conventions (which are honoured so one
setting serves every tool):

========================================  =============================================
``TORCHENV_CUDA_DRIVER_VERSION``          NVIDIA driver version ("570.86.15")
``TORCHENV_CUDA_VERSION``                 newest CUDA the driver supports ("12.8");
                                          empty string = no CUDA
``TORCHENV_COMPUTE_CAPABILITY``           comma list, one per GPU ("8.6,8.9")
``TORCHENV_ROCM_VERSION``                 ROCm version ("6.3")
``TORCHENV_GFX``                          comma list of AMD targets ("gfx90a,gfx1100")
``CONDA_OVERRIDE_CUDA``                   as TORCHENV_CUDA_VERSION (conda's virtual
                                          ``__cuda``; empty string = no CUDA)
``UV_CUDA_DRIVER_VERSION``                as TORCHENV_CUDA_DRIVER_VERSION (uv)
``UV_AMD_GPU_ARCHITECTURE``               as TORCHENV_GFX (uv)
========================================  =============================================
"""

from __future__ import annotations

import re

from torchenv.fingerprint.model import Accelerator, Device, Evidence, Fingerprint
from torchenv.fingerprint.probes.nvidia_tables import cuda_for_driver

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

__all__ = ["OVERRIDE_VARIABLES", "apply_overrides"]

OVERRIDE_VARIABLES = (
    "TORCHENV_CUDA_DRIVER_VERSION",
    "TORCHENV_CUDA_VERSION",
    "TORCHENV_COMPUTE_CAPABILITY",
    "TORCHENV_ROCM_VERSION",
    "TORCHENV_GFX",
    "CONDA_OVERRIDE_CUDA",
    "UV_CUDA_DRIVER_VERSION",
    "UV_AMD_GPU_ARCHITECTURE",
)


def _first(env: Mapping[str, str], *names: str) -> Optional[tuple[str, str]]:
    for name in names:
        if name in env:
            return name, env[name].strip()
    return None


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _override_evidence(name: str, value: str) -> Evidence:
    return Evidence("override", f"env:{name}", value)


def apply_overrides(fingerprint: Fingerprint, env: Mapping[str, str]) -> Fingerprint:
    """The fingerprint with every override variable in ``env`` applied and recorded.

    Malformed values are ignored with a note, never raised: a stray variable must not
    break ``detect``.
    """
    applied: list[str] = []
    notes: list[str] = []
    accelerators = list(fingerprint.accelerators)
    nvidia_at = next((i for i, a in enumerate(accelerators) if a.vendor == "nvidia"), None)
    nvidia = accelerators[nvidia_at] if nvidia_at is not None else None

    driver = _first(env, "TORCHENV_CUDA_DRIVER_VERSION", "UV_CUDA_DRIVER_VERSION")
    cuda = _first(env, "TORCHENV_CUDA_VERSION", "CONDA_OVERRIDE_CUDA")
    capability = _first(env, "TORCHENV_COMPUTE_CAPABILITY")
    if cuda is not None and cuda[1] == "":
        if nvidia is not None:
            notes.append(f"{cuda[0]} is empty: NVIDIA accelerator removed (no CUDA)")
            accelerators.pop(nvidia_at)  # type: ignore[arg-type]
        applied.append(f"{cuda[0]}=")
        nvidia = None
        nvidia_at = None
    elif driver or cuda or capability:
        record = nvidia or Accelerator(vendor="nvidia", source="override", kind="discrete")
        evidence = list(record.evidence)
        changes: dict[str, object] = {}
        if driver and re.fullmatch(r"\d+(\.\d+)*", driver[1]):
            changes["driver_version"] = driver[1]
            applied.append(f"{driver[0]}={driver[1]}")
            evidence.append(_override_evidence(*driver))
            if cuda is None:
                changes["cuda_version"] = cuda_for_driver(driver[1], fingerprint.os)
        elif driver:
            notes.append(f"ignored {driver[0]}={driver[1]!r}: not a version number")
        if cuda and re.fullmatch(r"\d+\.\d+(\.\d+)?", cuda[1]):
            changes["cuda_version"] = ".".join(cuda[1].split(".")[:2])
            applied.append(f"{cuda[0]}={cuda[1]}")
            evidence.append(_override_evidence(*cuda))
        elif cuda:
            notes.append(f"ignored {cuda[0]}={cuda[1]!r}: expected e.g. 12.8")
        if capability:
            values = _list(capability[1])
            if values and all(re.fullmatch(r"\d+\.\d+", v) for v in values):
                changes["devices"] = _override_devices(record.devices, values, "compute_capability")
                applied.append(f"{capability[0]}={capability[1]}")
                evidence.append(_override_evidence(*capability))
            else:
                notes.append(f"ignored {capability[0]}={capability[1]!r}: expected e.g. 8.6,8.9")
        if changes:
            record = record._replace(evidence=tuple(evidence), **changes)  # type: ignore[arg-type]
            if nvidia_at is None:
                accelerators.append(record)
            else:
                accelerators[nvidia_at] = record

    rocm = _first(env, "TORCHENV_ROCM_VERSION")
    gfx = _first(env, "TORCHENV_GFX", "UV_AMD_GPU_ARCHITECTURE")
    if rocm or gfx:
        amd_at = next((i for i, a in enumerate(accelerators) if a.vendor == "amd"), None)
        record = (
            accelerators[amd_at]
            if amd_at is not None
            else Accelerator(vendor="amd", source="override")
        )
        evidence = list(record.evidence)
        changes = {}
        if rocm and re.fullmatch(r"\d+\.\d+(\.\d+)?", rocm[1]):
            changes["rocm_version"] = rocm[1]
            applied.append(f"{rocm[0]}={rocm[1]}")
            evidence.append(_override_evidence(*rocm))
        elif rocm:
            notes.append(f"ignored {rocm[0]}={rocm[1]!r}: expected e.g. 6.3")
        if gfx:
            values = _list(gfx[1])
            if values and all(re.fullmatch(r"gfx[0-9a-f]+", v) for v in values):
                changes["devices"] = _override_devices(record.devices, values, "gfx")
                applied.append(f"{gfx[0]}={gfx[1]}")
                evidence.append(_override_evidence(*gfx))
            else:
                notes.append(f"ignored {gfx[0]}={gfx[1]!r}: expected e.g. gfx90a,gfx1100")
        if changes:
            record = record._replace(evidence=tuple(evidence), **changes)  # type: ignore[arg-type]
            if amd_at is None:
                accelerators.append(record)
            else:
                accelerators[amd_at] = record

    if not applied and not notes:
        return fingerprint
    return fingerprint._replace(
        accelerators=tuple(accelerators),
        overrides=fingerprint.overrides + tuple(applied),
        notes=fingerprint.notes + tuple(notes),
    )


def _override_devices(
    devices: tuple[Device, ...], values: list[str], attribute: str
) -> tuple[Device, ...]:
    """One device per value: detected devices keep their names, extra values add devices.

    ``attribute`` is "compute_capability" (NVIDIA) or "gfx" (AMD).
    """
    result: list[Device] = []
    for index, value in enumerate(values):
        evidence = Evidence("override", f"env:{attribute}", value)
        base = (
            devices[index]
            if index < len(devices)
            else Device(index=index, name=f"GPU {index} (override)")
        )
        result.append(
            base._replace(
                compute_capability=value
                if attribute == "compute_capability"
                else base.compute_capability,
                gfx=value if attribute == "gfx" else base.gfx,
                capability_source="override",
                evidence=(*base.evidence, evidence),
            )
        )
    return tuple(result)
