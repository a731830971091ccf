"""Choose the PyTorch build for one machine or target: backend, index, version, wheel.

The rules (docs/resolve.md has the long form):

* NVIDIA: the newest CUDA variant that exists for the torch version, platform and
  Python, that the driver can run (minor-version compatibility by default, the driver's
  own CUDA level with ``strict`` or when PTX JIT is needed), and that has kernels for
  every visible GPU.
* AMD: the newest ROCm variant whose gfx list covers every GPU; Linux x86_64 only.
* Intel: ``xpu`` only for a discrete GPU or with the Level Zero runtime present.
* Apple Silicon: the macOS wheels (MPS included). Never CUDA/ROCm on macOS.
* Anything else, or no GPU information: ``cpu``, and the reasons say so.

The torch version is the newest release that satisfies the requirement and has a
fitting wheel; when the requirement cannot be met on this hardware, the selection is an
error that names the nearest release that works.
"""

from __future__ import annotations

from torchenv.catalog import Catalog, Release, Variant, load_catalog
from torchenv.catalog.indexes import DEFAULT_PYTORCH_INDEX
from torchenv.select.compat import check_driver, check_kernels, sm
from torchenv.select.model import Rejection, Selection
from torchenv.select.request import (
    CUDA_COMPAT_MODES,
    Request,
    parse_python,
    parse_torch_spec,
)
from torchenv.select.state import SelectionState, kind_of, variant_order
from torchenv.targets import Target, parse_target, target_for_fingerprint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

    # Not imported at run time: resolving bare targets never needs the fingerprint model
    # (seven dataclasses), and startup time is part of the product.
    from torchenv.fingerprint.model import Accelerator, Fingerprint
    from torchenv.select.state import Candidate, Check

    Subject = Union[Target, Fingerprint, str]

__all__ = ["select"]


def select(
    subject: Subject,
    *,
    torch: Optional[str] = None,
    python: Optional[str] = None,
    channel: str = "stable",
    cuda_compat: str = "minor",
    index_base: Optional[str] = None,
    catalog: Optional[Catalog] = None,
) -> Selection:
    """The selection for a target (``Target`` or ``"linux-x86_64-cu128"``) or a fingerprint.

    Raises :class:`~torchenv.errors.UsageError` for malformed input (bad specifier,
    target or Python); an unservable request is a :class:`Selection` with ``error`` set.
    """
    from torchenv.errors import UsageError

    if cuda_compat not in CUDA_COMPAT_MODES:
        raise UsageError(f"bad --cuda-compat {cuda_compat!r}: expected minor or strict")
    fingerprint: Optional[Fingerprint] = None
    if isinstance(subject, str):
        target = parse_target(subject)
    elif isinstance(subject, Target):
        target = subject
    else:
        fingerprint = subject
        target = target_for_fingerprint(subject)
    if python is None and fingerprint is not None:
        py = fingerprint.python
        version = py.major_minor
        free = py.free_threaded or py.abi.endswith("t")
    else:
        version, free = parse_python(python)
    spec, label = parse_torch_spec(torch)
    request = Request(
        spec=spec,
        spec_text=(torch or "").strip(),
        label_backend=label,
        python=version,
        free_threaded=free,
        channel=channel,
        cuda_compat=cuda_compat,
        index_base=index_base or DEFAULT_PYTORCH_INDEX,
    )
    return _Selector(catalog or load_catalog(), target, fingerprint, request).run()


class _Selector(SelectionState):
    """The decision rules: which backend for which hardware and platform."""

    # --------------------------------------------------------------------- run
    def run(self) -> Selection:
        req, target = self.req, self.target
        self.reasons.append(f"target {target.platform}, {req.python_label} ({req.python_tag})")
        explicit = target.backend
        if req.label_backend:
            if explicit and explicit != req.label_backend:
                return self.error(
                    f"the target names {explicit} but --torch pins +{req.label_backend}"
                )
            explicit = req.label_backend
            self.reasons.append(f"--torch pins the local label +{explicit}: backend {explicit}")
        if self.fp is not None and self.fp.python.implementation.lower() not in ("cpython", "cp"):
            return self.error(
                f"this Python is {self.fp.python.implementation}: PyTorch publishes wheels "
                "for CPython only"
            )
        if self.fp is not None and self.fp.libc.family == "musl":
            return self.error(
                "this is a musl libc system (e.g. Alpine): PyTorch publishes no musllinux "
                "wheels; use a glibc-based image (Debian/Ubuntu) or build from source"
            )
        gate = self.platform_gate(explicit)
        if gate:
            return self.error(gate, explicit)
        if explicit:
            return self.pick_explicit(explicit)
        if self.fp is None:
            return self.pick_unknown_hardware()
        return self.pick_for_machine(self.fp)

    def platform_gate(self, explicit: Optional[str]) -> str:
        os_name, platform = self.target.os, self.platform
        kind = kind_of(explicit) if explicit else None
        if os_name == "macos" and kind in ("cuda", "rocm", "xpu"):
            return (
                f"{explicit} wheels do not exist for macOS: CUDA, ROCm and XPU builds are "
                f"Linux/Windows only; use the macOS default wheels ({self.target.os}-"
                f"{self.target.arch} without a backend, from the cpu index), which include MPS"
            )
        if kind == "rocm" and platform != "linux-x86_64":
            return f"{explicit} wheels exist only for linux-x86_64, not {platform}"
        if kind == "xpu" and platform not in ("linux-x86_64", "windows-x86_64"):
            return f"xpu wheels exist only for linux-x86_64 and windows-x86_64, not {platform}"
        if platform == "windows-arm64" and kind not in (None, "cpu"):
            return (
                f"Windows on Arm has only cpu wheels (from the cpu index, torch 2.7+), "
                f"no {explicit}"
            )
        return ""

    # ----------------------------------------------------------- explicit / cpu
    def pick_explicit(self, backend: str) -> Selection:
        self.reasons.append(f"backend {backend} requested explicitly")
        for candidate in self.candidates(backend):
            if self.fp is not None and candidate[1].kind == "cuda":
                nvidia = self.fp.accelerator("nvidia")
                if nvidia and nvidia.visible_devices:
                    problem = self.cuda_problem(candidate, nvidia, record=True)
                    if problem:
                        return self.error(f"{backend}: {problem}", backend)
            elif candidate[1].kind == "cuda":
                self.note_no_gpu_info(candidate[1])
            return self.chosen(candidate)
        return self.error(self.explain_missing(backend), backend)

    def note_no_gpu_info(self, variant: Variant) -> None:
        archs = variant.cuda_archs(self.platform)
        listed = " ".join(sm(a) for a in archs) or "unknown"
        ptx = variant.ptx(self.platform)
        self.reasons.append(
            f"no GPU information for this target: kernels and driver not checked "
            f"({variant.name} has kernels for {listed}{f' +PTX {ptx}' if ptx else ''})"
        )

    def pick_cpu(self, why: str) -> Selection:
        self.reasons.append(why)
        for candidate in self.candidates("cpu"):
            if candidate[0].version != self.releases[0].version and self.req.spec is None:
                self.reasons.append(
                    f"torch {candidate[0].version} is the newest release with a "
                    f"{self.platform} wheel for {self.req.python_tag}"
                )
            return self.chosen(candidate)
        return self.error(self.explain_missing("cpu"), "cpu")

    def pick_unknown_hardware(self) -> Selection:
        if self.target.os == "macos":
            return self.pick_macos()
        first = next(self.candidates("cpu"), None)
        if first is not None:
            for variant in sorted(first[0].variants, key=variant_order, reverse=True):
                if variant.kind != "cpu" and variant.build(self.platform):
                    self.rejected.append(
                        Rejection(variant.name, "no GPU information for this target")
                    )
        return self.pick_cpu(
            "no backend named and no GPU information for this target: cpu is the safe "
            "default (name one, e.g. linux-x86_64-cu128, or pass --fingerprint)"
        )

    def pick_macos(self) -> Selection:
        if self.target.arch == "x86_64":
            why = (
                "macOS x86_64: torch 2.2.2 is the last release with Intel-Mac wheels; "
                "CPU only (no MPS on Intel Macs)"
            )
            if self.fp is not None and self.fp.environment.rosetta:
                why += (
                    "; this Python runs under Rosetta 2 on Apple Silicon: install an arm64 "
                    "Python to get current torch with MPS"
                )
            return self.pick_cpu(why)
        why = (
            "Apple Silicon: the macOS wheels (cpu index, no local label) include the MPS "
            "backend; CUDA and ROCm wheels do not exist for macOS"
        )
        macos = self.target.macos
        if self.fp is not None and macos is not None and macos < (12, 3):
            # ecosystem.md §1: MPS needs arm64 + macOS >= 12.3.
            why += (
                f"; MPS needs macOS 12.3 or newer (this Mac runs {macos[0]}.{macos[1]}): CPU only"
            )
        return self.pick_cpu(why)

    # ---------------------------------------------------------------- machines
    def pick_for_machine(self, fp: Fingerprint) -> Selection:
        if self.target.os == "macos":
            return self.pick_macos()
        if fp.environment.jetson:
            return self.pick_cpu(
                f"Jetson ({fp.environment.jetson}): the CUDA wheels on the PyTorch index are "
                "built for SBSA servers, not Jetson (Tegra); use NVIDIA's Jetson wheels for "
                "GPU support, or this cpu build"
            )
        nvidia = fp.accelerator("nvidia")
        if nvidia and nvidia.visible_devices:
            return self.pick_cuda(nvidia)
        amd = fp.accelerator("amd")
        if amd and amd.visible_devices:
            if self.platform != "linux-x86_64":
                return self.pick_cpu(
                    f"AMD GPU on {self.platform}: ROCm wheels are Linux x86_64 only"
                )
            return self.pick_rocm(amd)
        intel = fp.accelerator("intel")
        if intel and intel.visible_devices:
            level_zero = any(e.probe == "intel.level-zero" for e in intel.evidence)
            if intel.kind == "discrete" or level_zero:
                return self.pick_xpu(intel, level_zero)
            return self.pick_cpu(
                "Intel integrated graphics without the Level Zero runtime: not an XPU "
                "target (uv's treating any Intel display device as XPU is a known false "
                "positive)"
            )
        hidden = any(a.devices and not a.visible_devices for a in fp.accelerators)
        if fp.environment.container:
            return self.pick_cpu(
                f"running in a {fp.environment.container} container that sees no GPU: cpu; "
                "pass the GPU through (e.g. docker run --gpus all) and re-run, or resolve "
                "with --fingerprint from the host"
            )
        if hidden:
            return self.pick_cpu(
                "GPUs are present but hidden (CUDA_VISIBLE_DEVICES/NVIDIA_VISIBLE_DEVICES): cpu"
            )
        return self.pick_cpu("no supported GPU detected: cpu")

    def cuda_problem(self, candidate: Candidate, nvidia: Accelerator, record: bool) -> str:
        """Why this CUDA candidate cannot run on the GPUs/driver ("" if it can)."""
        _release, variant, build = candidate
        archs = build.cuda_archs or ()
        needs_ptx = False
        notes: list[str] = []
        for device in nvidia.visible_devices:
            verdict = check_kernels(device.compute_capability, archs, build.ptx)
            if verdict.status == "none":
                return f"{device.name}: {verdict.detail}"
            if verdict.status == "unknown":
                notes.append(f"{device.name}: {verdict.detail}")
            elif verdict.status == "ptx":
                needs_ptx = True
                notes.append(f"{device.name}: {verdict.detail} (slow first start; warning)")
            else:
                notes.append(f"{device.name}: {verdict.detail}")
        strict = self.req.cuda_compat == "strict" or needs_ptx
        os_name = "windows" if (self.target.os == "windows" or self.fp_wsl()) else "linux"
        driver = check_driver(
            variant.cuda or "0",
            os_name=os_name,
            driver_version=nvidia.driver_version,
            driver_cuda=nvidia.cuda_version,
            minimum=self.catalog.driver_minimum(variant.cuda or ""),
            strict=strict,
        )
        if not driver.ok:
            return driver.detail + (
                " (PTX JIT needs it)" if needs_ptx and self.req.cuda_compat != "strict" else ""
            )
        if record:
            self.reasons.extend(f"{variant.name}: {n}" for n in notes)
            self.reasons.append(f"{variant.name}: {driver.detail}")
            if self.fp_wsl():
                self.reasons.append("WSL2: the Windows driver's version and floors apply")
            if any("unknown" in n for n in notes) or not driver.verified:
                self.verified = False
        return ""

    def fp_wsl(self) -> bool:
        return bool(self.fp and self.fp.environment.wsl)

    def pick_cuda(self, nvidia: Accelerator) -> Selection:
        gpus = ", ".join(
            f"{d.name} ({d.compute_capability or 'compute capability unknown'})"
            for d in nvidia.visible_devices
        )
        driver = nvidia.driver_version or "unknown"
        cuda = f", CUDA {nvidia.cuda_version}" if nvidia.cuda_version else ""
        self.reasons.append(f"NVIDIA driver {driver}{cuda}; GPUs: {gpus}")
        rule = self.req.cuda_compat
        self.reasons.append(
            "driver rule: "
            + (
                "strict (the driver's own CUDA level)"
                if rule == "strict"
                else "CUDA minor-version compatibility (wheels bundle the runtime)"
            )
        )
        return self.pick_accelerated(
            "cuda",
            lambda c: self.cuda_problem(c, nvidia, False),
            lambda c: self.cuda_problem(c, nvidia, True),
        )

    def pick_rocm(self, amd: Accelerator) -> Selection:
        gfx = [d.gfx for d in amd.visible_devices]
        self.reasons.append(
            "AMD GPUs: "
            + ", ".join(f"{d.name} ({d.gfx or 'gfx unknown'})" for d in amd.visible_devices)
        )

        def problem(candidate: Candidate) -> str:
            supported = candidate[1].gfx or ()
            for target in gfx:
                if target and target not in supported:
                    return (
                        f"{target} is not in {candidate[1].name}'s gfx list ({' '.join(supported)})"
                    )
            return ""

        def accept(candidate: Candidate) -> str:
            missing = problem(candidate)
            if not missing:
                known = [g for g in gfx if g]
                targets = ", ".join(known) or "these GPUs (gfx unknown)"
                self.reasons.append(
                    f"{candidate[1].name} builds for {targets}"
                    f" (gfx table: {candidate[1].gfx_source}); ROCm wheels bundle the runtime, the "
                    "amdgpu kernel driver must support this ROCm"
                )
                self.verified = False
            return missing

        return self.pick_accelerated("rocm", problem, accept)

    def pick_xpu(self, intel: Accelerator, level_zero: bool) -> Selection:
        self.reasons.append(
            f"Intel {intel.kind or ''} GPU"
            + (
                " with the Level Zero runtime"
                if level_zero
                else " (no Level Zero runtime found: install Intel's GPU driver)"
            )
        )
        return self.pick_accelerated("xpu", lambda c: "", lambda c: "")

    def pick_accelerated(self, kind: str, check: Check, confirm: Check) -> Selection:
        """Newest release/variant of ``kind`` for which ``check`` finds no hardware problem
        (``confirm`` then records the reasons); else explain, or fall back to cpu."""
        newest_ok_release: Optional[str] = None
        skipped_newer: list[Rejection] = []
        for candidate in self.candidates(kind):
            release, variant, _ = candidate
            why = check(candidate)
            if why:
                if newest_ok_release is None and len(skipped_newer) < 8:
                    skipped_newer.append(Rejection(variant.name, f"torch {release.version}: {why}"))
                continue
            confirm(candidate)
            newest_ok_release = release.version
            self.reject_siblings(release, variant, check)
            self.rejected.extend(
                r for r in skipped_newer if not r.reason.startswith(f"torch {release.version}:")
            )
            newest_spec = next(
                (
                    r
                    for r in self.releases
                    if self.spec_matches_release(r, kind) and self.usable_of(r, kind)
                ),
                None,
            )
            if newest_spec is not None and newest_spec.version != release.version:
                self.reasons.append(
                    f"torch {release.version} is the newest release with a {kind} build that "
                    f"runs here (newer releases rejected below)"
                )
            return self.chosen(candidate)
        # Nothing runs. With a requirement that excludes a working release: error + nearest.
        self.rejected.extend(skipped_newer)
        working: dict[str, str] = {}
        for candidate in self.candidates(kind, use_spec=False):
            if candidate[0].version not in working and not check(candidate):
                working[candidate[0].version] = candidate[1].name
        hardware = {"cuda": "NVIDIA GPU", "rocm": "AMD GPU", "xpu": "Intel GPU"}[kind]
        if working and self.req.spec is not None:
            anchor = next((r for r in self.releases if self.spec_matches_release(r, kind)), None)
            if anchor is None:
                return self.error(self.explain_missing(kind))
            reason = skipped_newer[0].reason if skipped_newer else self.explain_missing(kind)
            near = self.nearest(lambda r: working.get(r.version), anchor)
            return self.error(
                f"no torch release satisfying {self.req.spec_text!r} has a {kind} build for "
                f"this {hardware}: {reason}; {near}"
            )
        summary = (
            skipped_newer[0].reason if skipped_newer else f"no {kind} build for {self.platform}"
        )
        self.rejected.append(Rejection(kind, summary))
        return self.pick_cpu(
            f"no {kind} build runs on this {hardware} ({summary}): falling back to cpu"
        )

    def reject_siblings(self, release: Release, chosen: Variant, check: Check) -> None:
        for variant in sorted(release.variants, key=variant_order, reverse=True):
            if variant.name == chosen.name:
                continue
            reason = self.unusable(release, variant)
            if not reason and variant.kind == chosen.kind:
                build = variant.build(self.platform)
                assert build is not None
                reason = check((release, variant, build)) or f"older than {chosen.name}"
            elif not reason:
                reason = {
                    "cpu": "a supported GPU is present",
                    "cuda": "no NVIDIA GPU on this machine",
                    "rocm": "no AMD GPU on this machine",
                    "xpu": "no Intel discrete GPU / Level Zero on this machine",
                }[variant.kind]
            self.rejected.append(Rejection(variant.name, reason))
