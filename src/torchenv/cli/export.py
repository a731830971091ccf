"""`torchenv export`: write a lock or a selection in another tool's format."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Optional, Union

    from torchenv.export.model import ExportPlan
    from torchenv.fingerprint.model import Fingerprint

__all__ = ["add_arguments", "run"]

_FORMAT_ALIASES = {"environment.yml": "conda", "environment-yml": "conda", "pip": "requirements"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        required=True,
        metavar="F",
        help="conda (environment.yml), requirements, uv, pixi, poetry or pdm",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="export pylock.<VARIANT>.toml (repeatable); without a lock: backend for --target",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="T",
        help="export the selection for this target (no lock), e.g. linux-x86_64-cu128",
    )
    parser.add_argument(
        "--python", metavar="X.Y", help="Python version (default: this interpreter's)"
    )
    parser.add_argument("--torch", metavar="SPEC", help="torch requirement, e.g. '==2.7.1'")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default stdout)")
    parser.add_argument(
        "--write", action="store_true", help="uv: splice the tables into ./pyproject.toml"
    )
    parser.add_argument(
        "--conda-forge",
        action="store_true",
        help="conda: pytorch from conda-forge instead of PyTorch wheels through pip",
    )
    parser.add_argument(
        "--lock-dir", metavar="DIR", help="read pylock.<variant>.toml files here (default .)"
    )
    parser.add_argument("--name", default=None, help="environment/workspace name")
    parser.add_argument("--index-url", metavar="URL", help="default index (PyPI unless set)")
    parser.add_argument("--pytorch-index-url", metavar="URL", help="PyTorch index base URL")
    parser.add_argument("requirements", nargs="*", metavar="REQUIREMENT")


def _command(args: argparse.Namespace, fmt: str) -> str:
    import shlex

    from torchenv.urls import strip_credentials

    words = ["torchenv", "export", "--format", fmt]
    for flag, values in (("--variant", args.variant), ("--target", args.target)):
        for value in values:
            words += [flag, value]
    for flag, value in (
        ("--python", args.python),
        ("--torch", args.torch),
        ("--lock-dir", args.lock_dir),
        # the header is written into files: never the credentials of an index URL
        ("--index-url", args.index_url and strip_credentials(args.index_url)),
        (
            "--pytorch-index-url",
            args.pytorch_index_url and strip_credentials(args.pytorch_index_url),
        ),
        ("-o", args.output),
        ("--name", args.name),
    ):
        if value:
            words += [flag, value]
    if args.conda_forge:
        words.append("--conda-forge")
    if args.write:
        words.append("--write")
    return shlex.join(words + list(args.requirements))


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from torchenv._atomic import write_text_atomic
    from torchenv.errors import UsageError
    from torchenv.export import FORMATS, render
    from torchenv.export.build import find_locks, plan_from_lock, plan_from_selection
    from torchenv.urls import strip_credentials

    fmt = _FORMAT_ALIASES.get(args.format, args.format)
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown export format {args.format!r}: expected one of {', '.join(FORMATS)}"
        )
    if args.write and fmt != "uv":
        raise UsageError("--write splices into pyproject.toml and applies to --format uv only")
    command = _command(args, fmt)
    name = args.name or (Path.cwd().name or "torchenv")
    wants_selection = bool(args.target or args.torch or args.requirements or args.conda_forge)
    lock_dir = args.lock_dir or "."
    has_locks = any(Path(lock_dir).glob("pylock.*.toml"))
    if args.lock_dir and wants_selection:
        raise UsageError(
            "--lock-dir exports a lock as it is: drop --target/--torch/--conda-forge/REQUIREMENT"
        )
    if args.lock_dir or (not wants_selection and has_locks):
        if args.python:
            raise UsageError("--python comes from the lock's requires-python: drop it")
        plan = plan_from_lock(find_locks(lock_dir, args.variant), command, name)
    else:
        plan = plan_from_selection(
            _targets(args),
            command,
            python=args.python,
            torch=args.torch,
            index_base=args.pytorch_index_url,
            default_index_url=strip_credentials(args.index_url or "https://pypi.org/simple"),
            requirements=args.requirements,
            name=name,
        )
    if args.write:
        from torchenv.export.splice import splice_uv
        from torchenv.export.uv import uv_tables

        path = args.output or "pyproject.toml"
        try:
            original = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            original = ""
        except OSError as error:
            from torchenv.errors import InputError

            raise InputError(path, f"cannot read: {error.strerror or error}") from None
        text = splice_uv(original, uv_tables(plan), path)
        write_text_atomic(path, text)
        _report(args, fmt, plan, path, text, "updated")
        return 0
    text = render(plan, fmt, conda_forge=args.conda_forge)
    if args.output:
        write_text_atomic(args.output, text)
        _report(args, fmt, plan, args.output, text, "wrote")
    elif args.json:
        _report(args, fmt, plan, None, text, "")
    else:
        sys.stdout.write(text)
    return 0


def _report(
    args: argparse.Namespace, fmt: str, plan: ExportPlan, path: Optional[str], text: str, verb: str
) -> None:
    """``--json``: a versioned envelope on stdout; else one line on stderr for a file."""
    import sys

    if args.json:
        from torchenv.cli.output import print_json

        data = {
            "format": fmt,
            "path": path,
            "locked": plan.locked,
            "variants": list(plan.variants),
            "text": text,
        }
        print_json({"version": 1, "command": "export", "data": data, "errors": []})
    elif path is not None and not args.quiet:
        print(f"{verb} {path}", file=sys.stderr)


def _targets(args: argparse.Namespace) -> list[Union[str, Fingerprint]]:
    """--target strings (with --variant as their backend), else this machine or --fingerprint."""
    from torchenv.errors import UsageError

    variants = list(args.variant)
    if len(variants) > 1 and not args.target:
        raise UsageError("several --variant values need --target (one per variant)")
    if args.target:
        if variants and len(variants) > 1:
            raise UsageError("with --target, give the backend in the target (linux-x86_64-cu128)")
        if variants:
            from torchenv.targets import parse_target

            return [
                str(parse_target(t).with_backend(parse_target(t).backend or variants[0]))
                for t in args.target
            ]
        return [str(t) for t in args.target]
    from torchenv.fingerprint.load import fingerprint_from_args

    fingerprints = fingerprint_from_args(args)
    if variants:
        from torchenv.targets import target_for_fingerprint

        return [str(target_for_fingerprint(fp, variants[0])) for fp in fingerprints]
    return list(fingerprints)
