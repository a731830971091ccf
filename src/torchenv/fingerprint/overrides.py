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


class _Settings:
    """Collects what was applied (with evidence) and what was ignored (as notes)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.applied: list[str] = []
        self.notes: list[str] = []

    def take(
        self,
        names: tuple[str, ...],
        pattern: str,
        expected: str,
        evidence: list[Evidence],
        *,
        comma_list: bool = False,
    ) -> Optional[str]:
        """The first of ``names`` set in the environment, if it is well formed: the value
        matches ``pattern``, or with ``comma_list`` each item does (``"8.6,8.9"``)."""
        found = _first(self.env, *names)
        if found is None:
            return None
        name, value = found
        items = _list(value) if comma_list else [value]
        if not items or not all(re.fullmatch(pattern, v) for v in items):
            self.notes.append(f"ignored {name}={value!r}: {expected}")
            return None
        self.applied.append(f"{name}={value}")
        evidence.append(_override_evidence(name, value))
        return value


def _replace_vendor(
    accelerators: list[Accelerator],
    default: Accelerator,
    changes: dict[str, object],
    evidence: list[Evidence],
) -> None:
    """Apply ``changes`` to the accelerator of ``default.vendor``, adding it if missing."""
    if not changes:
        return
    at = next((i for i, a in enumerate(accelerators) if a.vendor == default.vendor), None)
    record = default if at is None else accelerators[at]
    record = record._replace(evidence=(*record.evidence, *evidence), **changes)  # type: ignore[arg-type]
    if at is None:
        accelerators.append(record)
    else:
        accelerators[at] = record


def _vendor(accelerators: list[Accelerator], vendor: str) -> Optional[Accelerator]:
    return next((a for a in accelerators if a.vendor == vendor), None)


def apply_overrides(fingerprint: Fingerprint, env: Mapping[str, str]) -> Fingerprint:
    """The fingerprint with every override variable in ``env`` applied and recorded.

    Malformed values are ignored with a note, never raised: a stray variable must not
    break ``detect``.
    """
    settings = _Settings(env)
    accelerators = list(fingerprint.accelerators)

    no_cuda = _first(env, "TORCHENV_CUDA_VERSION", "CONDA_OVERRIDE_CUDA")
    if no_cuda is not None and no_cuda[1] == "":
        if _vendor(accelerators, "nvidia") is not None:
            settings.notes.append(f"{no_cuda[0]} is empty: NVIDIA accelerator removed (no CUDA)")
            accelerators = [a for a in accelerators if a.vendor != "nvidia"]
        settings.applied.append(f"{no_cuda[0]}=")
    else:
        evidence: list[Evidence] = []
        changes: dict[str, object] = {}
        driver = settings.take(
            ("TORCHENV_CUDA_DRIVER_VERSION", "UV_CUDA_DRIVER_VERSION"),
            r"\d+(\.\d+)*",
            "not a version number",
            evidence,
        )
        if driver is not None:
            changes["driver_version"] = driver
            if no_cuda is None:
                changes["cuda_version"] = cuda_for_driver(driver, fingerprint.os)
        cuda = settings.take(
            ("TORCHENV_CUDA_VERSION", "CONDA_OVERRIDE_CUDA"),
            r"\d+\.\d+(\.\d+)?",
            "expected e.g. 12.8",
            evidence,
        )
        if cuda is not None:
            changes["cuda_version"] = ".".join(cuda.split(".")[:2])
        nvidia = _vendor(accelerators, "nvidia")
        capabilities = settings.take(
            ("TORCHENV_COMPUTE_CAPABILITY",),
            r"\d+\.\d+",
            "expected e.g. 8.6,8.9",
            evidence,
            comma_list=True,
        )
        if capabilities is not None:
            devices = nvidia.devices if nvidia is not None else ()
            changes["devices"] = _override_devices(
                devices, _list(capabilities), "compute_capability"
            )
        default = Accelerator(vendor="nvidia", source="override", kind="discrete")
        _replace_vendor(accelerators, default, changes, evidence)

    evidence = []
    changes = {}
    rocm = settings.take(
        ("TORCHENV_ROCM_VERSION",), r"\d+\.\d+(\.\d+)?", "expected e.g. 6.3", evidence
    )
    if rocm is not None:
        changes["rocm_version"] = rocm
    gfx = settings.take(
        ("TORCHENV_GFX", "UV_AMD_GPU_ARCHITECTURE"),
        r"gfx[0-9a-f]+",
        "expected e.g. gfx90a,gfx1100",
        evidence,
        comma_list=True,
    )
    if gfx is not None:
        amd = _vendor(accelerators, "amd")
        devices = amd.devices if amd is not None else ()
        changes["devices"] = _override_devices(devices, _list(gfx), "gfx")
    _replace_vendor(accelerators, Accelerator(vendor="amd", source="override"), changes, evidence)

    if not settings.applied and not settings.notes:
        return fingerprint
    return fingerprint._replace(
        accelerators=tuple(accelerators),
        overrides=fingerprint.overrides + tuple(settings.applied),
        notes=fingerprint.notes + tuple(settings.notes),
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
