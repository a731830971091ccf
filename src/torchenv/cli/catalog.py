"""`torchenv catalog show|refresh`: what the knowledge base holds, and updating it."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from torchenv.catalog import Release

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="catalog_command", metavar="ACTION")
    show = sub.add_parser("show", help="print the releases (or one release) the catalog holds")
    show.add_argument("version", nargs="?", help="a release: 2.7.1, or 2.7 for the newest 2.7.x")
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    refresh = sub.add_parser(
        "refresh", help="rebuild release/variant/platform facts from a live PyTorch index"
    )
    refresh.add_argument("--index-url", metavar="URL", help="index base (default: as resolve)")
    refresh.add_argument("--channel", choices=("stable", "test", "nightly"), default="stable")
    refresh.add_argument(
        "--output", metavar="FILE", help="where to write (default: the catalog in use)"
    )
    refresh.add_argument("--json", action="store_true", default=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.catalog_command == "refresh":
        return _refresh(args)
    return _show(args, getattr(args, "version", None))


def _show(args: argparse.Namespace, version: Optional[str]) -> int:
    from torchenv.catalog import load_catalog
    from torchenv.cli.output import print_json
    from torchenv.errors import UsageError

    catalog = load_catalog()
    releases = list(catalog.releases)
    if version:
        release = catalog.release(version)
        if release is None:
            known = ", ".join(r.version for r in releases[-5:])
            raise UsageError(f"torch {version} is not in the catalog (newest: {known})")
        releases = [release]
    if args.json:
        print_json([_release_dict(r) for r in releases])
        return 0
    out = sys.stdout
    out.write(f"catalog: {catalog.origin}\n")
    for release in releases:
        pair = f"torchvision {release.torchvision or '-'}, torchaudio {release.torchaudio or '-'}"
        out.write(f"torch {release.version}  (Python {release.requires_python}; {pair})\n")
        if version:
            for variant in release.variants:
                out.write(f"  {variant.name} ({variant.kind})\n")
                for build in variant.builds:
                    archs = ""
                    if build.cuda_archs is not None:
                        archs = " archs " + " ".join(build.cuda_archs)
                        archs += f" +PTX {build.ptx}" if build.ptx else ""
                    flag = "" if build.verified else "  [unverified]"
                    out.write(
                        f"    {build.platform:<15} {build.platform_tag:<22} "
                        f"{' '.join(build.python)}{archs}{flag}\n"
                        f"      source: {build.source}\n"
                    )
            pypi = ", ".join(f"{p}={v}" for p, v in release.pypi)
            out.write(f"  PyPI serves: {pypi}{'' if release.pypi_verified else ' [unverified]'}\n")
            for note in release.notes:
                out.write(f"  note: {note}\n")
        else:
            out.write(f"  variants: {' '.join(release.variant_names)}\n")
    return 0


def _release_dict(release: Release) -> dict[str, object]:
    return {
        "version": release.version,
        "requires_python": release.requires_python,
        "torchvision": release.torchvision,
        "torchaudio": release.torchaudio,
        "pypi": dict(release.pypi),
        "notes": list(release.notes),
        "variants": {
            v.name: {
                "kind": v.kind,
                "platforms": {
                    b.platform: {
                        "platform_tag": b.platform_tag,
                        "python": list(b.python),
                        "label": b.label,
                        "abi_none": b.abi_none,
                        "cuda_archs": list(b.cuda_archs) if b.cuda_archs is not None else None,
                        "ptx": b.ptx,
                        "verified": b.verified,
                        "source": b.source,
                    }
                    for b in v.builds
                },
            }
            for v in release.variants
        },
    }


def _refresh(args: argparse.Namespace) -> int:
    import datetime
    import json
    import os

    from torchenv._atomic import write_text_atomic
    from torchenv.catalog import CATALOG_ENV, default_catalog_path
    from torchenv.catalog.indexes import pytorch_index_base
    from torchenv.catalog.refresh import dump_catalog, refresh_catalog
    from torchenv.cli.output import print_json
    from torchenv.cli.resolve import project_index_url
    from torchenv.errors import InputError
    from torchenv.urls import redact_url

    source = os.environ.get(CATALOG_ENV) or default_catalog_path()
    try:
        with open(source, "rb") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(source, f"cannot read catalog: {error}") from None
    base = pytorch_index_base(args.index_url, project_index_url())
    today = datetime.date.today().isoformat()
    merged, summary = refresh_catalog(data, base, channel=args.channel, today=today)
    output = args.output or source
    write_text_atomic(output, dump_catalog(merged))
    report = {
        "index": redact_url(base),
        "channel": args.channel,
        "output": output,
        "variants": summary.variants,
        "wheels": summary.wheels,
        "releases_added": summary.releases_added,
        "variants_added": summary.variants_added,
        "builds_updated": summary.builds_updated,
        "missing_pages": summary.missing_pages,
    }
    if args.json:
        print_json(report)
    else:
        sys.stdout.write(
            f"refreshed {output} from {report['index']} ({args.channel}): "
            f"{summary.wheels} wheels in {len(summary.variants)} variants, "
            f"{summary.builds_updated} builds updated, "
            f"{len(summary.releases_added)} releases added\n"
        )
        if output != default_catalog_path() and os.environ.get(CATALOG_ENV) != output:
            sys.stdout.write(f"use it with: export {CATALOG_ENV}={output}\n")
    return 0
