"""`torchenv lock`: one PEP 751 ``pylock.<variant>.toml`` per torch variant, many targets."""

from __future__ import annotations

from typing import Any

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

__all__ = ["add_arguments", "run"]


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        nargs="?",
        default=".",
        help="pyproject.toml, a directory holding one, or a requirements.in (default: .)",
    )
    parser.add_argument(
        "-r",
        "--requirement",
        dest="requirement",
        metavar="FILE",
        help="lock a requirements.in instead of pyproject.toml",
    )
    parser.add_argument(
        "--targets",
        action="extend",
        type=_list,
        help="comma-separated or repeated, e.g. linux-x86_64,macos-arm64",
    )
    parser.add_argument(
        "--python",
        action="extend",
        type=_list,
        help="Python versions, comma-separated or repeated, e.g. 3.11,3.12",
    )
    parser.add_argument(
        "--variants",
        action="extend",
        type=_list,
        help="comma-separated or repeated, e.g. cpu,cu128,rocm6.4",
    )
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        help="also lock this optional-dependency or dependency group (repeatable)",
    )
    parser.add_argument("--pytorch-index-url", help="base of the PyTorch index (…/whl)")
    parser.add_argument("--index-url", help="default index for everything outside the torch family")
    parser.add_argument(
        "--output-dir", default=None, help="where to write (default: the project's folder)"
    )
    network = parser.add_mutually_exclusive_group()
    network.add_argument(
        "--offline", action="store_true", help="use cached pages only, fresh or not"
    )
    network.add_argument(
        "--refresh",
        action="store_true",
        help="revalidate every cached index page with the server, however fresh",
    )
    parser.add_argument(
        "--compute-missing-hashes",
        action="store_true",
        help="download files whose index publishes no sha256 to compute one",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a lock file is missing or stale (no network)",
    )
    mode.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )


def _command_line(args: argparse.Namespace, settings: dict[str, Any]) -> str:
    """The command that reproduces this lock, from normalised settings (deterministic)."""
    import shlex

    from torchenv.urls import strip_credentials

    words = ["torchenv", "lock", args.requirement or args.project]
    for flag in ("targets", "python", "variants"):
        words += [f"--{flag}", ",".join(settings[flag])]
    for group in args.group:
        words += ["--group", group]
    if args.pytorch_index_url:
        words += ["--pytorch-index-url", strip_credentials(args.pytorch_index_url)]
    if args.index_url:
        words += ["--index-url", strip_credentials(args.index_url)]
    return shlex.join(words)


def _make_source(args: argparse.Namespace) -> Any:
    """The real index client (network, on-disk cache); tests replace this function."""
    from torchenv.index.client import IndexClient

    return IndexClient(offline=args.offline, refresh=args.refresh)


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    from pathlib import Path

    from torchenv.catalog.indexes import variant_index_url
    from torchenv.cli.output import print_json
    from torchenv.lock.diff import diff_documents
    from torchenv.lock.engine import build_request, lock_all, plan_lock
    from torchenv.lock.freshness import is_stale
    from torchenv.lock.project import load_project
    from torchenv.lock.pylock import (
        read_lock_document,
        render_lock,
        validate_lock,
        write_lock_if_changed,
    )

    project = load_project(args.requirement or args.project)
    request = build_request(
        project,
        args.group,
        args.targets or (),
        args.python or (),
        args.variants or (),
        args.pytorch_index_url,
        args.index_url,
        os.environ,
    )
    base = request.pytorch_base
    settings = {
        "targets": list(request.targets),
        "python": list(request.pythons),
        "variants": list(request.variants),
    }
    plan = plan_lock(request)
    out_dir = Path(args.output_dir) if args.output_dir else Path(project.path).parent
    paths = {v: out_dir / f"pylock.{v}.toml" for v in plan.variant_targets}

    if args.check:
        stale = [
            str(path)
            for v, path in paths.items()
            if not path.exists() or is_stale(str(path), plan.hash_for(v))
        ]
        if args.json:
            print_json(
                {"stale": stale, "fresh": [str(p) for p in paths.values() if str(p) not in stale]}
            )
        else:
            for path in paths.values():
                state = "stale" if str(path) in stale else "fresh"
                print(f"{path}: {state}")
        return 1 if stale else 0

    for variant, skipped in plan.skipped.items():
        if skipped and not args.quiet:
            print(
                f"note: {variant} has no build for {', '.join(skipped)}; "
                f"pylock.{variant}.toml leaves them out",
                file=sys.stderr,
            )
    if not args.quiet:
        jobs = sum(len(t) for t in plan.variant_targets.values()) * len(request.pythons)
        print(
            f"resolving {jobs} environment{'s' if jobs != 1 else ''} "
            f"({', '.join(plan.variant_targets)} x Python {', '.join(request.pythons)})",
            file=sys.stderr,
        )
    source = _make_source(args)
    compute = None
    if args.compute_missing_hashes:
        compute = _hash_computer(source)
    try:
        documents = lock_all(
            plan, source, lambda v: variant_index_url(base, v), compute_hash=compute
        )
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    command = _command_line(args, settings)
    texts = {name: render_lock(doc, command) for name, doc in documents.items()}

    if args.dry_run:
        report = {}
        for name, document in documents.items():
            path = out_dir / name
            if not _holds(path, texts[name]):
                validate_lock(document, str(path))  # what a real run would refuse to write
            old = read_lock_document(str(path)) if path.exists() else None
            report[name] = diff_documents(old, document)
        if args.json:
            print_json(report)
        else:
            for name, changes in report.items():
                changed = any(changes.values())
                print(f"{out_dir / name}: " + ("would change" if changed else "no change"))
                for kind in ("added", "removed", "changed"):
                    for line in changes[kind]:
                        print(f"  {kind}: {line}")
        return 0

    out_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for name, text in sorted(texts.items()):
        document = documents[name]
        # Validated and written atomically, unless the file already holds this text.
        written = write_lock_if_changed(out_dir / name, document, text)
        count = len(document["packages"])
        summary.append(
            {
                "path": str(out_dir / name),
                "variant": document["tool"]["torchenv"]["variant"],
                "environments": document["environments"],
                "packages": count,
                "written": written,
            }
        )
        if not args.quiet and not args.json:
            verb = "wrote" if written else "unchanged:"
            print(f"{verb} {out_dir / name} ({count} package entries)")
    if args.json:
        print_json({"files": summary, "skipped": {k: list(v) for k, v in plan.skipped.items()}})
    return 0


def _holds(path: Any, text: str) -> bool:
    """Whether the file at ``path`` holds exactly ``text``."""
    try:
        return bool(path.read_bytes() == text.encode("utf-8"))
    except OSError:
        return False


def _hash_computer(source: Any) -> Any:
    """Download a file to a temporary folder and return its sha256."""
    import hashlib
    import tempfile
    from pathlib import Path

    def compute(link: Any) -> str:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(source.download(link, Path(folder)))
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()

    return compute
