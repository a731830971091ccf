"""NVIDIA: driver version, newest CUDA the driver supports, and every GPU.

Sources, in order (the first that answers wins, later ones fill gaps):
1. NVML (``libnvidia-ml.so.1`` / ``nvml.dll``) through ctypes (see ``nvml.py``).
2. ``nvidia-smi --query-gpu=index,name,compute_cap,memory.total,driver_version,uuid,
   pci.bus_id --format=csv,nounits``; drivers older than ~510 reject ``compute_cap``
   ("Field "compute_cap" is not a valid field to query"): we retry without it and take
   the capability from the name table, saying so in ``capability_source`` and notes.
   The plain ``nvidia-smi`` table supplies "CUDA Version: 12.4" (and names/memory when
   the query fails altogether).
3. Kernel module files: ``/sys/module/nvidia/version``, ``/proc/driver/nvidia/version``
   and ``/proc/driver/nvidia/gpus/*/information`` (no CUDA version, no capability).
``CUDA_VISIBLE_DEVICES``/``NVIDIA_VISIBLE_DEVICES`` that hide GPUs mark them
``visible=False`` with a note.
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.fingerprint.model import Accelerator, Device, Evidence
from torchenv.fingerprint.probes._fs import list_dir, read_text, under
from torchenv.fingerprint.probes._run import run_command
from torchenv.fingerprint.probes.nvidia_tables import capability_for_name, cuda_for_driver

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Callable, Optional

    from torchenv.fingerprint.probes.nvml import NvmlReport

__all__ = [
    "QUERY_FIELDS",
    "SmiGpu",
    "SmiTable",
    "apply_visibility",
    "parse_nvidia_smi_csv",
    "parse_nvidia_smi_table",
    "parse_proc_driver_version",
    "parse_proc_gpu_information",
    "probe_nvidia",
]

QUERY_FIELDS = (
    "index",
    "name",
    "compute_cap",
    "memory.total",
    "driver_version",
    "uuid",
    "pci.bus_id",
)
# Patterns stay strings (``re`` compiles and caches them on first use): a machine without
# nvidia-smi never needs them, and compiling at import costs every ``detect``.
_INVALID_FIELD = r'Field "([\w.]+)" is not a valid field to query'


# ---------------------------------------------------------------- pure parsers


def parse_proc_driver_version(text: str) -> Optional[str]:
    """Driver version from ``/proc/driver/nvidia/version`` (proprietary and open modules).

    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.07  ..." or
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  565.57.01  ...".
    """
    match = re.search(r"Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else None


def parse_proc_gpu_information(text: str) -> dict[str, str]:
    """``Key: value`` lines of ``/proc/driver/nvidia/gpus/<bus>/information``."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            values[key.strip()] = value.strip()
    return values


def parse_nvidia_smi_csv(text: str, fields: Sequence[str] = QUERY_FIELDS) -> list[dict[str, str]]:
    """Rows of ``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]``.

    A header line, when present, names the columns (in whatever order they came and with
    " [MiB]" unit suffixes stripped); otherwise ``fields`` does. Values "[N/A]",
    "[Not Supported]" and "N/A" become absent keys.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    first = [cell.strip() for cell in lines[0].split(",")]
    header_names = [re.sub(r"\s*\[.*\]$", "", cell) for cell in first]
    known = set(QUERY_FIELDS) | {"compute_mode", "count", "gpu_name", "gpu_uuid"}
    if header_names and all(name in known for name in header_names):
        columns, rows = header_names, lines[1:]
    else:
        columns, rows = list(fields), lines
    result: list[dict[str, str]] = []
    for line in rows:
        # Names never contain commas in practice; split at most len(columns)-1 times.
        cells = [cell.strip() for cell in line.split(",", len(columns) - 1)]
        if len(cells) != len(columns):
            continue
        row = {
            column: cell
            for column, cell in zip(columns, cells)
            if cell and cell not in ("[N/A]", "N/A", "[Not Supported]", "[Unknown Error]")
        }
        if "name" not in row and "gpu_name" in row:
            row["name"] = row.pop("gpu_name")
        result.append(row)
    return result


class SmiGpu(Record):
    number: int
    name: str
    pci_bus_id: Optional[str]
    memory_mib: Optional[int]
    truncated: bool


class SmiTable(Record):
    """The plain ``nvidia-smi`` table: header versions and one entry per GPU."""

    driver_version: Optional[str] = None
    cuda_version: Optional[str] = None
    cuda_raw: Optional[str] = None
    header_line: str = ""
    gpus: tuple[SmiGpu, ...] = ()


_GPU_ROW = (
    r"^\|\s+(\d+)\s+(.+?)\s+(On|Off|WDDM|TCC|N/A)\s*\|"
    r"\s*([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])"
)
_MEMORY = r"(\d+)MiB\s*/\s*(\d+)MiB"


def parse_nvidia_smi_table(text: str) -> SmiTable:
    """Parse the default ``nvidia-smi`` output (old and new layouts, R610's "KMD Version")."""
    driver = cuda = cuda_raw = None
    header_line = ""
    for line in text.splitlines():
        match = re.search(r"(?:Driver|KMD) Version:\s*(\S+)", line)
        if match:
            header_line = line.strip()
            driver = match.group(1)
            cuda_match = re.search(r"CUDA(?: UMD)? Version:\s*(\S+)", line)
            if cuda_match:
                cuda_raw = cuda_match.group(1)
                if re.fullmatch(r"\d+\.\d+", cuda_raw):
                    cuda = cuda_raw
            break
    gpus: list[SmiGpu] = []
    lines = text.splitlines()
    for position, line in enumerate(lines):
        row = re.match(_GPU_ROW, line.strip())
        if not row:
            continue
        memory = None
        if position + 1 < len(lines):
            mem = re.search(_MEMORY, lines[position + 1])
            if mem:
                memory = int(mem.group(2))
        name = row.group(2).strip()
        gpus.append(
            SmiGpu(
                number=int(row.group(1)),
                name=name,
                pci_bus_id=row.group(4),
                memory_mib=memory,
                truncated=name.endswith("..."),
            )
        )
    return SmiTable(driver, cuda, cuda_raw, header_line, tuple(gpus))


def _visible_entries(value: str) -> list[str]:
    # CUDA stops at the first invalid entry: "0,2,x,1" means devices 0 and 2.
    entries: list[str] = []
    for entry in value.split(","):
        entry = entry.strip()
        if re.fullmatch(r"\d+", entry) or re.fullmatch(r"(GPU|MIG)-[0-9A-Za-z-]+", entry):
            entries.append(entry)
        else:
            break
    return entries


def apply_visibility(
    devices: Sequence[Device], env: Mapping[str, str]
) -> tuple[tuple[Device, ...], list[str], list[Evidence]]:
    """Mark devices hidden by ``CUDA_VISIBLE_DEVICES`` / ``NVIDIA_VISIBLE_DEVICES``."""
    notes: list[str] = []
    evidence: list[Evidence] = []
    result = list(devices)
    for variable in ("NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"):
        if variable not in env:
            continue
        value = env[variable].strip()
        if value.lower() == "all" or not result:
            continue
        if value.lower() in ("none", "void", "", "-1"):
            allowed: list[str] = []
        else:
            allowed = _visible_entries(value)
        evidence.append(Evidence("nvidia.visibility", f"env:{variable}", value))
        updated = []
        for device in result:
            keep = any(
                entry == str(device.index)
                or (
                    device.uuid is not None
                    and device.uuid.startswith(entry)
                    and entry.startswith("GPU-")
                )
                for entry in allowed
            )
            updated.append(device if keep or not device.visible else device._replace(visible=False))
        hidden = [d.index for d, u in zip(result, updated) if d.visible and not u.visible]
        if hidden:
            notes.append(
                f"{variable}={value!r} hides GPU {', '.join(str(i) for i in hidden)} "
                "from CUDA programs in this environment"
            )
        result = updated
    return tuple(result), notes, evidence


# ---------------------------------------------------------------- I/O


class _Found:
    """What the sources found so far (mutable: each source fills gaps)."""

    def __init__(self) -> None:
        self.driver: Optional[str] = None
        self.cuda: Optional[str] = None
        self.devices: list[Device] = []
        self.notes: list[str] = []
        self.evidence: list[Evidence] = []
        self.source: Optional[str] = None
        self.smi_hung = False


def _from_nvml(report: NvmlReport, found: _Found) -> None:
    if report.error:
        found.notes.append(f"NVML unavailable ({report.error})")
        return
    found.notes += report.notes
    raw = f"driver={report.driver_version} cuda={report.cuda_version} devices={len(report.devices)}"
    found.evidence.append(Evidence("nvidia.nvml", report.library, raw))
    found.driver = report.driver_version
    found.cuda = report.cuda_version
    found.source = "nvml"
    for dev in report.devices:
        found.devices.append(
            Device(
                index=dev.number,
                name=dev.name or f"NVIDIA GPU {dev.number}",
                compute_capability=dev.compute_capability,
                memory_mib=dev.memory_mib,
                uuid=dev.uuid,
                capability_source="nvml" if dev.compute_capability else None,
                evidence=(
                    Evidence(
                        "nvidia.nvml",
                        report.library,
                        f"{dev.number}: {dev.name}, cc {dev.compute_capability}, "
                        f"{dev.memory_mib} MiB, {dev.uuid}",
                    ),
                ),
            )
        )


def _query(path: Optional[str], timeout: float, extra_dirs: Sequence[str], found: _Found) -> bool:
    fields = list(QUERY_FIELDS)
    argv = ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,nounits"]
    result = run_command(argv, path=path, timeout=timeout, extra_dirs=extra_dirs)
    rejected = re.search(_INVALID_FIELD, result.stdout + result.stderr)
    if rejected and rejected.group(1) == "compute_cap":
        found.notes.append(
            "this driver's nvidia-smi rejects the compute_cap field (driver older than ~510): "
            "compute capability taken from the GPU name table"
        )
        found.evidence.append(Evidence("nvidia.smi", result.command, rejected.group(0)))
        fields.remove("compute_cap")
        argv = ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,nounits"]
        result = run_command(argv, path=path, timeout=timeout, extra_dirs=extra_dirs)
    if result.status == "missing":
        return False
    if not result.ok:
        found.notes.append(result.describe())
        if result.status == "timeout":
            found.smi_hung = True
        return False
    rows = parse_nvidia_smi_csv(result.stdout, fields)
    if not rows:
        first = result.stdout.strip().splitlines()[:1]
        found.notes.append(
            f"'{result.command}' printed nothing usable" + (f": {first[0][:80]!r}" if first else "")
        )
        return False
    found.source = found.source or "nvidia-smi"
    for position, row in enumerate(rows):
        index = int(row["index"]) if row.get("index", "").isdigit() else position
        name = row.get("name") or f"NVIDIA GPU {index}"
        found.driver = found.driver or row.get("driver_version")
        capability = row.get("compute_cap")
        capability_source = "nvidia-smi" if capability else None
        if capability is None:
            capability = capability_for_name(name)
            capability_source = "name-table" if capability else None
        memory = row.get("memory.total")
        found.devices.append(
            Device(
                index=index,
                name=name,
                compute_capability=capability,
                memory_mib=int(float(memory))
                if memory and re.fullmatch(r"[\d.]+", memory)
                else None,
                uuid=row.get("uuid"),
                pci_bus_id=row.get("pci.bus_id"),
                capability_source=capability_source,
                evidence=(Evidence("nvidia.smi", result.command, ", ".join(row.values())),),
            )
        )
    return True


def _table(
    path: Optional[str], timeout: float, extra_dirs: Sequence[str], found: _Found, fill: bool
) -> None:
    result = run_command(["nvidia-smi"], path=path, timeout=timeout, extra_dirs=extra_dirs)
    if result.status == "missing":
        return
    if not result.ok:
        found.notes.append(result.describe())
        return
    table = parse_nvidia_smi_table(result.stdout)
    if table.driver_version is None:
        found.notes.append("'nvidia-smi' printed no driver version line")
        return
    found.evidence.append(Evidence("nvidia.smi", "nvidia-smi", table.header_line))
    found.driver = found.driver or table.driver_version
    if table.cuda_version:
        found.cuda = found.cuda or table.cuda_version
    elif table.cuda_raw:
        found.notes.append(f"nvidia-smi reports 'CUDA Version: {table.cuda_raw}'")
    found.source = found.source or "nvidia-smi"
    if not fill:
        return
    for gpu in table.gpus:
        capability = capability_for_name(gpu.name)
        if gpu.truncated:
            found.notes.append(
                f"GPU {gpu.number}: nvidia-smi truncated the name ({gpu.name!r}); "
                "compute capability unknown"
            )
        found.devices.append(
            Device(
                index=gpu.number,
                name=gpu.name,
                compute_capability=capability,
                memory_mib=gpu.memory_mib,
                pci_bus_id=gpu.pci_bus_id,
                capability_source="name-table" if capability else None,
                evidence=(
                    Evidence(
                        "nvidia.smi", "nvidia-smi", f"{gpu.number} {gpu.name} {gpu.pci_bus_id}"
                    ),
                ),
            )
        )


def _kernel_files(root: str, found: _Found, fill: bool) -> None:
    sys_version = read_text(root, "/sys/module/nvidia/version")
    if sys_version and sys_version.strip():
        found.evidence.append(
            Evidence("nvidia.kernel", "/sys/module/nvidia/version", sys_version.strip())
        )
        found.driver = found.driver or sys_version.strip()
        found.source = found.source or "kernel-module"
    proc = read_text(root, "/proc/driver/nvidia/version")
    if proc:
        version = parse_proc_driver_version(proc)
        if version:
            found.evidence.append(
                Evidence(
                    "nvidia.kernel", "/proc/driver/nvidia/version", proc.strip().splitlines()[0]
                )
            )
            found.driver = found.driver or version
            found.source = found.source or "kernel-module"
    if not fill:
        return
    for position, bus in enumerate(list_dir(root, "/proc/driver/nvidia/gpus")):
        info_path = f"/proc/driver/nvidia/gpus/{bus}/information"
        info = parse_proc_gpu_information(read_text(root, info_path) or "")
        model = info.get("Model")
        if not model:
            continue
        minor = info.get("Device Minor", "")
        capability = capability_for_name(model)
        found.devices.append(
            Device(
                index=int(minor) if minor.isdigit() else position,
                name=model,
                compute_capability=capability,
                uuid=info.get("GPU UUID"),
                pci_bus_id=info.get("Bus Location") or bus,
                capability_source="name-table" if capability else None,
                evidence=(Evidence("nvidia.kernel", info_path, f"Model: {model}"),),
            )
        )
        found.source = found.source or "kernel-module"


def probe_nvidia(
    root: str,
    path: Optional[str],
    env: Mapping[str, str],
    timeout: float,
    *,
    os_name: str = "linux",
    nvml_loader: Optional[Callable[[], tuple[Any, str]]] = None,
    extra_dirs: Sequence[str] = (),
) -> tuple[Optional[Accelerator], tuple[str, ...]]:
    """(The NVIDIA accelerator record or None when no source shows a driver, notes for the
    fingerprint when a tool was there but failed)."""
    found = _Found()
    if nvml_loader is not None:
        # ctypes is imported only when there is a driver to talk to.
        from torchenv.fingerprint.probes.nvml import read_nvml

        _from_nvml(read_nvml(nvml_loader), found)
    if not found.devices:
        found.devices = []
        have_rows = _query(path, timeout, extra_dirs, found)
        # The plain table carries "CUDA Version"; run it when that is still unknown.
        # A hung nvidia-smi would only hang again: one timeout is the whole cost.
        if (found.cuda is None or not have_rows) and not found.smi_hung:
            _table(path, timeout, extra_dirs, found, fill=not have_rows)
    if os_name == "linux":
        _kernel_files(root, found, fill=not found.devices)
    if found.driver is None and not found.devices:
        # A machine without NVIDIA simply lacks NVML; anything else (a hanging or
        # broken nvidia-smi) is worth telling.
        return None, tuple(n for n in found.notes if not n.startswith("NVML unavailable"))
    if found.cuda is None and found.driver:
        derived = cuda_for_driver(found.driver, os_name)
        if derived:
            found.cuda = derived
            found.notes.append(
                f"CUDA {derived} derived from driver {found.driver} (CUDA release notes table); "
                "the driver did not report it"
            )
    missing = [d.index for d in found.devices if d.compute_capability is None]
    if missing:
        found.notes.append(
            "compute capability unknown for GPU "
            + ", ".join(str(i) for i in missing)
            + ": set TORCHENV_COMPUTE_CAPABILITY to supply it"
        )
    if found.source == "kernel-module" and not found.devices:
        found.notes.append("driver loaded but no GPU details readable (no NVML, no nvidia-smi)")
    devices, visibility_notes, visibility_evidence = apply_visibility(found.devices, env)
    accelerator = Accelerator(
        vendor="nvidia",
        source=found.source or "nvidia",
        driver_version=found.driver,
        cuda_version=found.cuda,
        kind="discrete",
        devices=devices,
        notes=tuple(found.notes + visibility_notes),
        evidence=tuple(found.evidence + visibility_evidence),
    )
    return accelerator, ()


def wsl_smi_dirs(root: str) -> tuple[str, ...]:
    """Where WSL2 keeps ``nvidia-smi`` when it is not on PATH."""
    return (under(root, "/usr/lib/wsl/lib"),)
