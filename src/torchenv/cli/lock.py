"""`torchenv lock`: one PEP 751 ``pylock.<variant>.toml`` per torch variant, many targets."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any, Optional

    from torchenv.lock.manifest import LockManifest

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
        help="revalidate every cached index page with the server, however fresh (implies --force)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="resolve again even when the last lock shows that nothing changed",
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


# Options that change how a lock runs or reports, never what it writes: the rest of
# the command line (anything added later included) is part of the manifest's key.
_PRESENTATION = frozenset(
    {"json", "verbose", "quiet", "no_color", "offline", "refresh", "force", "check", "dry_run"}
)


def _output_dir(args: argparse.Namespace) -> str:
    """The folder ``run`` writes to, found without reading the project (absolute)."""
    import os

    if args.output_dir:
        return os.path.abspath(str(args.output_dir))
    project = os.path.abspath(str(args.requirement or args.project))
    return project if os.path.isdir(project) else os.path.dirname(project)


def _up_to_date(
    args: argparse.Namespace, key: str, manifest_file: Path
) -> tuple[Optional[LockManifest], Any]:
    """(the manifest of the last lock when it proves this one would change nothing,
    the index client it built, if any, for the normal path to go on with).

    Pages gone stale since are revalidated first, all at once: when each comes back
    not modified, nothing can have changed.
    """
    from torchenv.lock.manifest import cached_pages, load_manifest, pages_to_revalidate

    manifest = load_manifest(manifest_file)
    if manifest is None:
        return None, None
    import time

    from torchenv.index.cache import IndexCache

    now = None if args.offline else time.time()
    cache = IndexCache(manifest_file.parent.parent)
    stale = pages_to_revalidate(manifest, key, cached_pages(cache, now))
    if not stale:
        return (manifest if stale is not None else None), None
    source = _make_source(args)
    revalidate = getattr(source, "revalidate_pages", None)
    if revalidate is None:
        return None, source
    remember = getattr(source, "remember_credentials", None)
    if remember is not None:
        # The manifest's URLs carry no credentials; these index URLs may.
        remember(_known_index_urls(args))
    # What the normal path would revalidate one level of the resolution at a time. A
    # renewed (or replaced) page counts as fresh for the rest of the run, so the
    # resolution that follows a change does not ask again. One attempt each: a
    # failure sends the run down the normal path, which retries and reports.
    served = revalidate(stale, retries=0)
    recorded = dict(manifest.pages)
    if all(served[url] == recorded[url] for url in stale):
        source.close()
        return manifest, None
    return None, source


def _known_index_urls(args: argparse.Namespace) -> list[str]:
    """The index URLs known without reading the project: flags and environment."""
    import os

    from torchenv.catalog.indexes import INDEX_ENV
    from torchenv.index.config import default_index_url

    urls = [args.index_url, args.pytorch_index_url, os.environ.get(INDEX_ENV)]
    return [url for url in urls if url] + [default_index_url(os.environ)]


def _report_unchanged(args: argparse.Namespace, manifest: Any) -> int:
    """What the normal path prints when every file already holds its new text."""
    import os
    import sys

    from torchenv.cli.output import print_json

    skipped = dict(manifest.skipped)
    if not args.quiet:
        for variant, platforms in skipped.items():
            if platforms:
                print(
                    f"note: {variant} has no build for {', '.join(platforms)}; "
                    f"pylock.{variant}.toml leaves them out",
                    file=sys.stderr,
                )
        print(
            f"up to date: project, lock files and the {len(manifest.pages)} index pages "
            "they were resolved from are unchanged (--force resolves again)",
            file=sys.stderr,
        )
    files = manifest.files
    if args.dry_run:
        if args.json:
            print_json(
                {
                    os.path.basename(f.path): {"added": [], "removed": [], "changed": []}
                    for f in files
                }
            )
        else:
            for locked in files:
                print(f"{locked.shown}: no change")
        return 0
    by_name = sorted(files, key=lambda f: os.path.basename(f.path))
    if args.json:
        summary = [
            {
                "path": f.shown,
                "variant": f.variant,
                "environments": list(f.environments),
                "packages": f.packages,
                "written": False,
            }
            for f in by_name
        ]
        print_json({"files": summary, "skipped": {k: list(v) for k, v in skipped.items()}})
    elif not args.quiet:
        for locked in by_name:
            print(f"unchanged: {locked.shown} ({locked.packages} package entries)")
    return 0


def run(args: argparse.Namespace) -> int:
    import os

    key = manifest_file = source = None
    if not args.check and not args.compute_missing_hashes:
        # The up-to-date fast path (torchenv.lock.manifest): before anything is parsed.
        from torchenv.index.cache import default_cache_dir
        from torchenv.lock.manifest import invocation_key, manifest_path

        arguments = {k: v for k, v in sorted(vars(args).items()) if k not in _PRESENTATION}
        key = invocation_key(arguments, os.environ)
        manifest_file = manifest_path(default_cache_dir(), _output_dir(args))
        if not (args.force or args.refresh):
            manifest, source = _up_to_date(args, key, manifest_file)
            if manifest is not None:
                from torchenv.lock.manifest import touch_manifest

                touch_manifest(manifest_file)  # in use: not one for prune_manifests
                return _report_unchanged(args, manifest)
    try:
        return _lock(args, key, manifest_file, source)
    finally:
        # The fast path's client, when _lock stopped before handing it to lock_all.
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _lock(args: argparse.Namespace, key: Any, manifest_file: Any, source: Any) -> int:
    """Resolve and write (or check, or show) the lock files: the normal path.

    ``source``: the index client the up-to-date check built, or None for a new one.
    """
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
    if source is None:
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
    if manifest_file is not None:
        _record(manifest_file, key, project, plan, out_dir, texts, documents, source)
    if args.json:
        print_json({"files": summary, "skipped": {k: list(v) for k, v in plan.skipped.items()}})
    return 0


def _record(
    manifest_file: Any,
    key: Any,
    project: Any,
    plan: Any,
    out_dir: Any,
    texts: dict[str, str],
    documents: dict[str, Any],
    source: Any,
) -> None:
    """Record what this lock stood on, for the next run's up-to-date check.

    Without an account of every page read (a test double, or a file:// index whose
    pages have no cached body to compare) there is no proof to record: any older
    manifest is removed instead, so it cannot vouch for these files.
    """
    import hashlib
    import os

    from torchenv.lock.manifest import (
        LockedFile,
        LockManifest,
        discard_manifest,
        prune_manifests,
        save_manifest,
    )
    from torchenv.lock.pylock import lock_filename

    pages_read = getattr(source, "pages_read", None)
    pages = pages_read() if pages_read is not None else None
    cache = getattr(source, "cache", None)
    if (
        pages is None
        or any(digest is None for digest in pages.values())
        or not project.sources
        # The next run checks pages in the default cache: they must be the ones read.
        or cache is None
        or cache.root.parent != manifest_file.parent.parent
    ):
        discard_manifest(manifest_file)
        return
    files = []
    for variant in plan.variant_targets:
        name = lock_filename(variant)
        document = documents[name]
        files.append(
            LockedFile(
                os.path.abspath(out_dir / name),
                str(out_dir / name),
                hashlib.sha256(texts[name].encode("utf-8")).hexdigest(),
                plan.hash_for(variant),
                variant,
                tuple(document["environments"]),
                len(document["packages"]),
            )
        )
    manifest = LockManifest(
        key,
        project.sources,
        tuple(files),
        tuple(sorted(pages.items())),
        tuple((variant, tuple(platforms)) for variant, platforms in plan.skipped.items()),
    )
    try:
        save_manifest(manifest_file, manifest)
    except OSError:
        discard_manifest(manifest_file)  # a cache that cannot be written is no error
    import time

    prune_manifests(manifest_file.parent, time.time())


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
