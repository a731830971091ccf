"""`torchenv detect`: fingerprint this machine (or show a saved fingerprint)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

__all__ = ["add_arguments", "format_summary", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="longest a single probe command may take (default 2)",
    )


def run(args: argparse.Namespace) -> int:
    from torchenv.cli.output import color_enabled, print_json

    if getattr(args, "fingerprint", None):
        from torchenv.fingerprint.load import fingerprint_from_args

        fingerprints = fingerprint_from_args(args)
    else:
        from torchenv.fingerprint.detect import DEFAULT_TIMEOUT, detect_fingerprint

        timeout = args.timeout if args.timeout and args.timeout > 0 else DEFAULT_TIMEOUT
        fingerprints = [detect_fingerprint(timeout=timeout)]
    if args.json:
        payload: Any = [f.to_dict() for f in fingerprints]
        print_json(payload[0] if len(payload) == 1 else payload)
        return 0
    import sys

    color = color_enabled(sys.stdout, no_color_flag=args.no_color)
    for position, fingerprint in enumerate(fingerprints):
        if position:
            sys.stdout.write("\n")
        sys.stdout.write(format_summary(fingerprint, verbose=args.verbose, color=color))
    return 0


def format_summary(fingerprint: Any, *, verbose: int = 0, color: bool = False) -> str:
    """The human summary: OS, Python, environment, each accelerator and device, sources."""
    from torchenv.cli.output import paint

    fp = fingerprint
    lines: list[str] = []

    def label(text: str) -> str:
        return paint(f"{text:<13}", "bold", enabled=color)

    os_line = f"{fp.os} {fp.arch}"
    if fp.os_version:
        os_line += f" ({fp.os_version})"
    if fp.libc.family:
        os_line += f", {fp.libc.family} {fp.libc.version or '?'}"
    lines.append(label("OS") + os_line)
    py = fp.python
    tags = py.platform_tags
    py_line = f"{py.implementation} {py.version} ({py.tag}, ABI {py.abi}"
    py_line += ", free-threaded)" if py.free_threaded else ")"
    if tags:
        plural = "s" if len(tags) != 1 else ""
        more = ", ..." if len(tags) > 2 else ""
        py_line += f", {len(tags)} platform tag{plural}: {', '.join(tags[:2])}{more}"
    lines.append(label("Python") + py_line)
    env = fp.environment
    env_parts = []
    if env.wsl:
        env_parts.append("WSL2")
    if env.container:
        env_parts.append(f"container ({env.container})")
    if env.rosetta:
        env_parts.append("Rosetta 2")
    if env.jetson:
        env_parts.append(f"Jetson: {env.jetson}")
    if env_parts:
        lines.append(label("Environment") + ", ".join(env_parts))
    if not fp.accelerators:
        lines.append(label("Accelerators") + "none found (CPU only)")
    for accel in fp.accelerators:
        facts = []
        if accel.driver_version:
            facts.append(f"driver {accel.driver_version}")
        if accel.cuda_version:
            facts.append(f"CUDA <= {accel.cuda_version}")
        if accel.rocm_version:
            facts.append(f"ROCm {accel.rocm_version}")
        if accel.kind:
            facts.append(accel.kind)
        head = {"nvidia": "NVIDIA", "amd": "AMD", "intel": "Intel", "apple": "Apple"}[accel.vendor]
        lines.append(label(head) + ", ".join(facts or ["present"]) + f"  [source: {accel.source}]")
        for device in accel.devices:
            parts = [device.name]
            if device.compute_capability:
                parts.append(f"compute capability {device.compute_capability}")
            if device.gfx:
                parts.append(device.gfx)
            if device.memory_mib:
                parts.append(f"{device.memory_mib} MiB")
            text = f"  GPU {device.index}: " + ", ".join(parts)
            if device.capability_source:
                text += f"  [{device.capability_source}]"
            if not device.visible:
                text += paint("  (hidden)", "yellow", enabled=color)
            lines.append(text)
        for note in accel.notes:
            lines.append(paint(f"  note: {note}", "dim", enabled=color))
    if fp.overrides:
        lines.append(label("Overrides") + ", ".join(fp.overrides))
    for note in fp.notes:
        lines.append(paint(f"note: {note}", "dim", enabled=color))
    if verbose:
        lines.append(label("Evidence"))
        every = list(fp.evidence)
        for accel in fp.accelerators:
            every += list(accel.evidence)
            for device in accel.devices:
                every += list(device.evidence)
        for item in every:
            lines.append(f"  {item.probe}: {item.source}: {item.raw}")
    return "\n".join(line.rstrip() for line in lines) + "\n"
