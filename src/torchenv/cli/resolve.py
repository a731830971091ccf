"""`torchenv resolve`: the PyTorch backend, index and wheel for this machine or targets."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Optional

    from torchenv.select import Selection

__all__ = ["add_arguments", "format_selection", "project_index_url", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        metavar="T",
        action="append",
        default=None,
        help="resolve for <os>-<arch>[-<backend>] (e.g. linux-x86_64-cu128); repeatable",
    )
    parser.add_argument("--torch", metavar="SPEC", help="torch requirement, e.g. '>=2.6'")
    parser.add_argument("--python", metavar="X.Y", help="Python version (3.13t for free-threaded)")
    parser.add_argument(
        "--channel",
        choices=("stable", "test", "nightly"),
        default="stable",
        help="PyTorch release channel (default: stable)",
    )
    parser.add_argument(
        "--cuda-compat",
        choices=("minor", "strict"),
        default="minor",
        help="NVIDIA driver rule: CUDA minor-version compatibility (default) or the "
        "driver's own CUDA level",
    )
    parser.add_argument(
        "--pytorch-index-url",
        metavar="URL",
        help="PyTorch index base (a mirror of https://download.pytorch.org/whl)",
    )


def project_index_url(path: str = "pyproject.toml") -> Optional[str]:
    """``[tool.torchenv] pytorch-index-url`` of ``path`` if the file exists."""
    import os

    from torchenv.errors import InputError

    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None
    if b"pytorch-index-url" not in raw:
        return None  # the common case; skips importing and running a TOML parser
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(path, f"cannot read: {error}") from None
    value = data.get("tool", {}).get("torchenv", {}).get("pytorch-index-url")
    if value is not None and not isinstance(value, str):
        raise InputError(path, "[tool.torchenv] pytorch-index-url must be a string")
    return value


def run(args: argparse.Namespace) -> int:
    from torchenv.catalog.indexes import pytorch_index_base
    from torchenv.cli.output import color_enabled, print_json
    from torchenv.select import select

    base = pytorch_index_base(args.pytorch_index_url, project_index_url())
    options: dict[str, Any] = {
        "torch": args.torch,
        "python": args.python,
        "channel": args.channel,
        "cuda_compat": args.cuda_compat,
        "index_base": base,
    }
    subjects: list[Any] = list(args.target or [])
    machine_summary = ""
    if args.fingerprint or not subjects:
        from torchenv.fingerprint.load import fingerprint_from_args

        fingerprints = fingerprint_from_args(args)
        subjects.extend(fingerprints)
        if not args.fingerprint and not args.json:
            from torchenv.cli.detect import format_summary

            machine_summary = format_summary(fingerprints[0], verbose=0, color=False)
    selections = [select(subject, **options) for subject in subjects]
    if args.json:
        print_json([s.to_dict() for s in selections])
    else:
        color = color_enabled(sys.stdout, no_color_flag=args.no_color)
        if machine_summary:
            sys.stdout.write(machine_summary.rstrip("\n") + "\n\n")
        sys.stdout.write(
            "\n".join(format_selection(s, color=color, verbose=args.verbose) for s in selections)
        )
    return 2 if any(s.error for s in selections) else 0


def format_selection(selection: Selection, *, color: bool = False, verbose: int = 0) -> str:
    """The human block for one target."""
    from torchenv.cli.output import paint

    lines = [paint(selection.target, "bold", enabled=color)]
    if selection.error:
        lines.append("  " + paint("error", "red", enabled=color) + f": {selection.error}")
    else:
        rows = [
            ("backend", selection.backend),
            ("index", selection.index_url),
            ("torch", selection.torch or "(newest nightly)"),
            ("wheel", selection.wheel),
            ("torchvision", selection.torchvision or "none"),
            ("torchaudio", selection.torchaudio or "none"),
        ]
        lines += [f"  {name:<12} {value}" for name, value in rows]
        if not selection.verified:
            lines.append(
                "  " + paint("note", "yellow", enabled=color) + ": partly unverified facts"
            )
    if selection.reasons:
        lines.append("  why:")
        lines += [f"    - {reason}" for reason in selection.reasons]
    if selection.rejected:
        lines.append("  rejected:")
        shown = selection.rejected if verbose else selection.rejected[:10]
        lines += [f"    - {r.backend}: {r.reason}" for r in shown]
        if len(shown) < len(selection.rejected):
            lines.append(f"    … {len(selection.rejected) - len(shown)} more (-v shows all)")
    return "\n".join(lines) + "\n"
