"""`torchenv install`: install the lock variant that fits this machine, hashes verified."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variant", help="install pylock.<VARIANT>.toml instead of choosing")
    parser.add_argument("--lock-dir", default=".", help="folder holding pylock.*.toml (default: .)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; install nothing")
    parser.add_argument(
        "--installer",
        choices=("auto", "uv", "pip"),
        default="auto",
        help="auto: uv when on PATH, else pip",
    )
    parser.add_argument(
        "--python-exe",
        default=None,
        help="interpreter of the environment to install into (default: this one)",
    )


def run(args: argparse.Namespace) -> int:
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path
    from typing import Optional

    from torchenv.cli.output import print_json
    from torchenv.errors import ResolutionError
    from torchenv.fingerprint.load import fingerprint_from_args
    from torchenv.lock.install_plan import (
        choose_variant,
        plan_install,
        requirements_text,
        variant_blocker,
    )
    from torchenv.lock.pylock import read_lock_document
    from torchenv.select import select
    from torchenv.targets import marker_environment, supported_tags, target_for_fingerprint

    fingerprint = fingerprint_from_args(args)[0]
    target = target_for_fingerprint(fingerprint)
    python = fingerprint.python.major_minor
    lock_dir = Path(args.lock_dir)
    available = sorted(
        p.name[len("pylock.") : -len(".toml")] for p in lock_dir.glob("pylock.*.toml")
    )
    if not available:
        raise ResolutionError(f"no pylock.*.toml in {lock_dir}; run 'torchenv lock' first")
    selected: Optional[str] = None
    why: tuple[str, ...] = ()
    if args.variant is None:
        # Ask for the torch release the locks pin, so the backend chosen is one it has.
        first = read_lock_document(str(lock_dir / f"pylock.{available[0]}.toml"))
        pinned = sorted(
            {
                p["version"].split("+", 1)[0]
                for p in first.get("packages", [])
                if p["name"] == "torch"
            }
        )
        selection = select(fingerprint, torch=f"=={pinned[-1]}" if pinned else None)
        selected = selection.backend
        why = selection.reasons
    variant, reasons = choose_variant(available, args.variant, selected, why)
    blocker = variant_blocker(variant, fingerprint.os, [a.vendor for a in fingerprint.accelerators])
    if blocker is not None:
        raise ResolutionError(f"refusing pylock.{variant}.toml: {blocker}")
    path = lock_dir / f"pylock.{variant}.toml"
    document = read_lock_document(str(path))
    environment = marker_environment(target, python)
    plan = plan_install(
        variant,
        str(path),
        document,
        environment,
        supported_tags(target, python),
        f"{target.platform} / Python {python}",
        reasons,
    )
    installer = args.installer
    if installer == "auto":
        installer = "uv" if shutil.which("uv") else "pip"
    python_exe = args.python_exe or sys.executable
    if args.dry_run or args.json:
        if args.json:
            print_json(
                {
                    "variant": plan.variant,
                    "lock": plan.lock_path,
                    "reasons": list(plan.reasons),
                    "installer": installer,
                    "dry_run": bool(args.dry_run),
                    "packages": [
                        {"name": w.name, "version": w.version, "url": w.url} for w in plan.wheels
                    ],
                }
            )
        else:
            print(f"variant: {plan.variant} ({plan.lock_path})")
            for reason in plan.reasons:
                print(f"  why: {reason}")
            print(f"installer: {installer} into {python_exe}")
            for wheel in plan.wheels:
                print(f"  {wheel.name} {wheel.version}")
        if args.dry_run:
            return 0
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text(requirements_text(plan), encoding="utf-8")
        # Exact wheels with hashes and no dependency resolution: the lock already resolved.
        flags = ["--no-deps", "--require-hashes", "-r", str(requirements)]
        if installer == "uv":
            # uv reads PEP 751 itself (markers, wheel per platform, hashes verified).
            uv = shutil.which("uv") or "uv"
            command = [uv, "pip", "install", "--python", python_exe, "-r", str(path)]
        else:
            command = [python_exe, "-m", "pip", "install", "--no-input", *flags]
        if not args.quiet and not args.json:
            print(f"installing {len(plan.wheels)} packages from {plan.lock_path} with {installer}")
        completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise ResolutionError(f"{installer} failed with exit code {completed.returncode}")
    return 0
