"""Typed, frozen fingerprint model and its versioned JSON form (``"schema": 1``).

The values are :class:`torchenv._record.Record` classes (``typing.NamedTuple`` to type
checkers) rather than frozen dataclasses: they are just as immutable and typed, but
``detect`` runs on every pre-commit and shell start, and importing ``dataclasses`` or
``typing`` plus generating seven classes cost about a third of its wall time. Update
with ``value._replace(...)``.

Every fact carries :class:`Evidence`: which probe found it, from which file or command,
and the raw line it read. ``to_dict``/``from_dict`` round-trip exactly, so a fingerprint
saved with ``torchenv detect --json`` on one machine drives ``--fingerprint`` elsewhere.
"""

from __future__ import annotations

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

__all__ = [
    "SCHEMA_VERSION",
    "Accelerator",
    "Device",
    "Environment",
    "Evidence",
    "Fingerprint",
    "FingerprintFormatError",
    "Libc",
    "PythonInfo",
]

SCHEMA_VERSION = 1

OS_NAMES = ("linux", "macos", "windows")
VENDORS = ("nvidia", "amd", "intel", "apple")


class FingerprintFormatError(ValueError):
    """A fingerprint document does not match schema 1; the message names the key."""


class Evidence(Record):
    """Where a fact came from.

    ``probe`` is the probe's name (``"nvidia.smi"``), ``source`` the file path or the
    command line it read, ``raw`` the line (or short excerpt) that carried the fact.
    """

    probe: str
    source: str
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"probe": self.probe, "source": self.source, "raw": self.raw}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "evidence") -> Evidence:
        return cls(
            probe=_str(data, "probe", where),
            source=_str(data, "source", where),
            raw=_opt_str(data, "raw", where) or "",
        )


class Device(Record):
    """One accelerator device (one GPU).

    ``compute_capability`` ("8.6") is NVIDIA's, ``gfx`` ("gfx90a") AMD's;
    ``capability_source`` says how the capability was learnt (``"nvml"``,
    ``"nvidia-smi"``, ``"name-table"``, ``"kfd"``, ``"override"`` …) because a value
    from a name table is weaker than one the driver reported.
    """

    # The JSON key is "index"; shadowing tuple.index() is deliberate and harmless here.
    index: int  # type: ignore[assignment]
    name: str
    compute_capability: Optional[str] = None
    gfx: Optional[str] = None
    memory_mib: Optional[int] = None
    uuid: Optional[str] = None
    pci_bus_id: Optional[str] = None
    capability_source: Optional[str] = None
    visible: bool = True
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "compute_capability": self.compute_capability,
            "gfx": self.gfx,
            "memory_mib": self.memory_mib,
            "uuid": self.uuid,
            "pci_bus_id": self.pci_bus_id,
            "capability_source": self.capability_source,
            "visible": self.visible,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "device") -> Device:
        memory = data.get("memory_mib")
        if memory is not None and not isinstance(memory, int):
            raise FingerprintFormatError(f"{where}.memory_mib: expected an integer")
        index = data.get("index", 0)
        if not isinstance(index, int):
            raise FingerprintFormatError(f"{where}.index: expected an integer")
        visible = data.get("visible", True)
        if not isinstance(visible, bool):
            raise FingerprintFormatError(f"{where}.visible: expected true or false")
        return cls(
            index=index,
            name=_str(data, "name", where),
            compute_capability=_opt_str(data, "compute_capability", where),
            gfx=_opt_str(data, "gfx", where),
            memory_mib=memory,
            uuid=_opt_str(data, "uuid", where),
            pci_bus_id=_opt_str(data, "pci_bus_id", where),
            capability_source=_opt_str(data, "capability_source", where),
            visible=visible,
            evidence=_evidence_list(data, where),
        )


class Accelerator(Record):
    """One vendor's accelerator stack on the machine.

    ``cuda_version`` is the newest CUDA the NVIDIA driver supports ("12.8"), not an
    installed toolkit. ``kind`` is ``"discrete"`` or ``"integrated"`` where that matters
    (Intel). ``source`` names the probe that produced the record.
    """

    vendor: str
    source: str
    driver_version: Optional[str] = None
    cuda_version: Optional[str] = None
    rocm_version: Optional[str] = None
    kind: Optional[str] = None
    devices: tuple[Device, ...] = ()
    notes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def visible_devices(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.visible)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "driver_version": self.driver_version,
            "cuda_version": self.cuda_version,
            "rocm_version": self.rocm_version,
            "kind": self.kind,
            "devices": [d.to_dict() for d in self.devices],
            "source": self.source,
            "notes": list(self.notes),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "accelerator") -> Accelerator:
        vendor = _str(data, "vendor", where)
        if vendor not in VENDORS:
            raise FingerprintFormatError(
                f"{where}.vendor: {vendor!r} is not one of {', '.join(VENDORS)}"
            )
        devices = data.get("devices", [])
        if not isinstance(devices, list):
            raise FingerprintFormatError(f"{where}.devices: expected a list")
        return cls(
            vendor=vendor,
            source=_opt_str(data, "source", where) or "fingerprint-file",
            driver_version=_opt_str(data, "driver_version", where),
            cuda_version=_opt_str(data, "cuda_version", where),
            rocm_version=_opt_str(data, "rocm_version", where),
            kind=_opt_str(data, "kind", where),
            devices=tuple(
                Device.from_dict(_mapping(d, f"{where}.devices[{i}]"), f"{where}.devices[{i}]")
                for i, d in enumerate(devices)
            ),
            notes=_str_list(data, "notes", where),
            evidence=_evidence_list(data, where),
        )


class PythonInfo(Record):
    """The interpreter: ``tag`` is the interpreter tag ("cp311"), ``abi`` the ABI tag
    ("cp311", or "cp313t" on a free-threaded build)."""

    implementation: str
    version: str
    tag: str
    abi: str
    free_threaded: bool = False
    executable: Optional[str] = None
    platform_tags: tuple[str, ...] = ()

    @property
    def major_minor(self) -> str:
        parts = self.version.split(".")
        return ".".join(parts[:2])

    def to_dict(self) -> dict[str, Any]:
        return {
            "implementation": self.implementation,
            "version": self.version,
            "tag": self.tag,
            "abi": self.abi,
            "free_threaded": self.free_threaded,
            "executable": self.executable,
            "platform_tags": list(self.platform_tags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "python") -> PythonInfo:
        version = _str(data, "version", where)
        tag = _opt_str(data, "tag", where) or "cp" + "".join(version.split(".")[:2])
        free = data.get("free_threaded", False)
        if not isinstance(free, bool):
            raise FingerprintFormatError(f"{where}.free_threaded: expected true or false")
        return cls(
            implementation=_opt_str(data, "implementation", where) or "cpython",
            version=version,
            tag=tag,
            abi=_opt_str(data, "abi", where) or (tag + ("t" if free else "")),
            free_threaded=free,
            executable=_opt_str(data, "executable", where),
            platform_tags=_str_list(data, "platform_tags", where),
        )


class Libc(Record):
    """The C library: ``family`` is "glibc" or "musl" (None off Linux)."""

    family: Optional[str] = None
    version: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "libc") -> Libc:
        return cls(_opt_str(data, "family", where), _opt_str(data, "version", where))


class Environment(Record):
    """Where the interpreter runs: WSL2, a container, Rosetta 2, a Jetson board."""

    wsl: bool = False
    container: Optional[str] = None
    rosetta: bool = False
    jetson: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "wsl": self.wsl,
            "container": self.container,
            "rosetta": self.rosetta,
            "jetson": self.jetson,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "environment") -> Environment:
        wsl = data.get("wsl", False)
        rosetta = data.get("rosetta", False)
        if not isinstance(wsl, bool) or not isinstance(rosetta, bool):
            raise FingerprintFormatError(f"{where}: wsl and rosetta must be true or false")
        return cls(
            wsl=wsl,
            container=_opt_str(data, "container", where),
            rosetta=rosetta,
            jetson=_opt_str(data, "jetson", where),
        )


class Fingerprint(Record):
    """Everything torchenv knows about one machine.

    ``arch`` is normalised: ``x86_64``, ``aarch64`` (Linux/Windows Arm), ``arm64``
    (macOS Apple Silicon). ``os`` is ``linux``, ``macos`` or ``windows``.
    """

    os: str
    arch: str
    python: PythonInfo
    os_version: Optional[str] = None
    libc: Libc = Libc()
    accelerators: tuple[Accelerator, ...] = ()
    environment: Environment = Environment()
    overrides: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    schema: int = SCHEMA_VERSION

    def accelerator(self, vendor: str) -> Optional[Accelerator]:
        """The first accelerator record of ``vendor``, if any."""
        for accel in self.accelerators:
            if accel.vendor == vendor:
                return accel
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "os": self.os,
            "os_version": self.os_version,
            "arch": self.arch,
            "libc": self.libc.to_dict(),
            "python": self.python.to_dict(),
            "accelerators": [a.to_dict() for a in self.accelerators],
            "environment": self.environment.to_dict(),
            "overrides": list(self.overrides),
            "notes": list(self.notes),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Fingerprint:
        root = _mapping(data, "fingerprint")
        schema = root.get("schema", SCHEMA_VERSION)
        if schema != SCHEMA_VERSION:
            raise FingerprintFormatError(
                f"schema: version {schema!r} is not supported (expected {SCHEMA_VERSION})"
            )
        os_name = _str(root, "os", "fingerprint")
        if os_name not in OS_NAMES:
            raise FingerprintFormatError(f"os: {os_name!r} is not one of {', '.join(OS_NAMES)}")
        accelerators = root.get("accelerators", [])
        if not isinstance(accelerators, list):
            raise FingerprintFormatError("accelerators: expected a list")
        return cls(
            schema=SCHEMA_VERSION,
            os=os_name,
            os_version=_opt_str(root, "os_version", "fingerprint"),
            arch=_str(root, "arch", "fingerprint"),
            libc=Libc.from_dict(_mapping(root.get("libc", {}), "libc")),
            python=PythonInfo.from_dict(_mapping(root.get("python"), "python")),
            accelerators=tuple(
                Accelerator.from_dict(_mapping(a, f"accelerators[{i}]"), f"accelerators[{i}]")
                for i, a in enumerate(accelerators)
            ),
            environment=Environment.from_dict(_mapping(root.get("environment", {}), "environment")),
            overrides=_str_list(root, "overrides", "fingerprint"),
            notes=_str_list(root, "notes", "fingerprint"),
            evidence=_evidence_list(root, "fingerprint"),
        )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    # Imported here: collections.abc costs ~2 ms and JSON only ever gives dicts.
    from collections.abc import Mapping

    if not isinstance(value, Mapping):
        raise FingerprintFormatError(f"{where}: expected an object")
    return value


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise FingerprintFormatError(f"{where}.{key}: expected a non-empty string")
    return value


def _opt_str(data: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FingerprintFormatError(f"{where}.{key}: expected a string or null")
    return value


def _str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FingerprintFormatError(f"{where}.{key}: expected a list of strings")
    return tuple(value)


def _evidence_list(data: Mapping[str, Any], where: str) -> tuple[Evidence, ...]:
    value = data.get("evidence", [])
    if not isinstance(value, list):
        raise FingerprintFormatError(f"{where}.evidence: expected a list")
    return tuple(
        Evidence.from_dict(_mapping(e, f"{where}.evidence[{i}]"), f"{where}.evidence[{i}]")
        for i, e in enumerate(value)
    )
