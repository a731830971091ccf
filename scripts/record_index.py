#!/usr/bin/env python3
"""Record real PEP 691 project pages (and PEP 658 metadata files) from PyPI as fixtures.

Usage::

    python scripts/record_index.py --out fixtures/index/pypi torch==2.7.0 torchvision==0.22.0 \\
        torchaudio==2.7.0 --closure

Each requirement names a project and optionally a specifier. With ``--closure`` the
recorder reads the METADATA of every kept wheel and records the dependencies too
(markers evaluated for ``--platform`` and every Python in ``--pythons``; extras are
not followed), transitively.

Which versions are kept for a project: every ``==`` pin that names it; otherwise the
``--keep`` newest final releases allowed by all specifiers seen for it, plus, for each
Python in ``--pythons``, the newest allowed release that still supports that Python
(so a lock for an older interpreter can resolve). Only the files of kept versions stay
in the page, and its PEP 700 ``versions`` list is trimmed to match.

PEP 658 metadata: the recorder fetches ``<file url>.metadata`` for every kept wheel,
checks it against the page's ``core-metadata`` hash when the page has one, and stores
it once per digest as ``<project>/metadata/<sha256>.metadata``. When the page it was
served omits ``core-metadata`` (the PyPI mirror this recorder was first run against
strips those keys) but the file host serves the ``.metadata`` file, the recorder adds
``core-metadata`` and ``dist-info-metadata`` = ``{"sha256": <digest of the fetched
file>}`` to that entry, as pypi.org itself publishes (PEP 714), and lists every such
entry as "annotated" in PROVENANCE.md.

Output per project: ``<out>/<project>/index.json`` (the trimmed page),
``<out>/<project>/metadata/*.metadata``; plus ``<out>/PROVENANCE.md``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Optional

import httpx
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from torchenv.index.wheelzip import TAIL_BYTES, read_member_with_ranges

__all__ = ["main"]

ACCEPT_JSON = "application/vnd.pypi.simple.v1+json"
PLATFORM_ENV = {
    "linux-x86_64": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
    },
}


def _file_version(filename: str) -> Optional[Version]:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _normal(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _supports(requires_python: Optional[str], python: str) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except Exception:  # an unparsable requires-python: pip ignores it, so do we
        return True


class Recorder:
    def __init__(self, out: Path, index: str, keep: int, pythons: list[str], platform: str):
        self.out = out
        self.index = index.rstrip("/") + "/"
        self.keep = keep
        self.pythons = pythons
        self.platform = platform
        self.client = httpx.Client(
            timeout=60, follow_redirects=True, headers={"User-Agent": "torchenv-recorder"}
        )
        self.pages: dict[str, dict[str, Any]] = {}
        self.constraints: dict[str, list[SpecifierSet]] = {}
        self.pins: dict[str, set[Version]] = {}
        self.required_by: dict[str, set[str]] = {}
        self.notes: dict[str, dict[str, Any]] = {}
        self.range_read: set[str] = set()
        self.annotated: set[str] = set()

    def page(self, project: str) -> dict[str, Any]:
        if project not in self.pages:
            url = f"{self.index}{project}/"
            response = self.client.get(url, headers={"Accept": ACCEPT_JSON})
            response.raise_for_status()
            self.pages[project] = response.json()
            print(f"fetched {url}: {len(self.pages[project]['files'])} files", file=sys.stderr)
        return self.pages[project]

    def add(self, requirement: Requirement, parent: str) -> None:
        name = canonicalize_name(requirement.name)
        self.required_by.setdefault(name, set()).add(parent)
        self.constraints.setdefault(name, []).append(requirement.specifier)
        for spec in requirement.specifier:
            if spec.operator in ("==", "===") and "*" not in spec.version:
                self.pins.setdefault(name, set()).add(Version(spec.version))

    def kept_versions(self, project: str) -> list[Version]:
        page = self.page(project)
        if self.pins.get(project):
            return sorted(self.pins[project])
        by_version: dict[Version, list[dict[str, Any]]] = {}
        for entry in page["files"]:
            version = _file_version(entry["filename"])
            if version is not None and not entry.get("yanked"):
                by_version.setdefault(version, []).append(entry)
        allowed = [
            v
            for v in sorted(by_version, reverse=True)
            if not v.is_prerelease and all(s.contains(v) for s in self.constraints[project])
        ]
        kept = set(allowed[: self.keep])
        for python in self.pythons:
            for version in allowed:
                if any(_supports(e.get("requires-python"), python) for e in by_version[version]):
                    kept.add(version)
                    break
        return sorted(kept)

    def metadata(self, entry: dict[str, Any]) -> Optional[bytes]:
        url = entry["url"].split("#", 1)[0]
        response = self.client.get(url + ".metadata")
        if response.status_code != 404:
            response.raise_for_status()
            return response.content
        # The file host here does not serve every .metadata file: read the METADATA
        # member out of the wheel with range requests (PEP 658 defines the .metadata
        # file as exactly that member's bytes).
        self.range_read.add(entry["filename"])
        return self.metadata_by_range(url, entry["filename"])

    def metadata_by_range(self, url: str, filename: str) -> bytes:
        def fetch(start: int, end: int) -> bytes:
            got = self.client.get(url, headers={"Range": f"bytes={start}-{end - 1}"})
            if got.status_code != 206:
                raise SystemExit(f"{url}: range request answered {got.status_code}")
            return got.content

        tail = self.client.get(url, headers={"Range": f"bytes=-{TAIL_BYTES}"})
        if tail.status_code != 206:
            raise SystemExit(f"{url}: range request answered {tail.status_code}")
        total = int(tail.headers["content-range"].rsplit("/", 1)[1])
        return read_member_with_ranges(tail.content, total, fetch, filename)

    def dependencies(self, metadata: bytes) -> list[Requirement]:
        message = BytesParser().parsebytes(metadata)
        found: list[Requirement] = []
        for line in message.get_all("Requires-Dist") or []:
            requirement = Requirement(str(line))
            if requirement.marker is None:
                found.append(requirement)
                continue
            for python in self.pythons:
                env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
                env.update(PLATFORM_ENV[self.platform])
                env.update(
                    python_version=python,
                    python_full_version=f"{python}.0",
                    implementation_name="cpython",
                    platform_python_implementation="CPython",
                    extra="",
                )
                if requirement.marker.evaluate(env):
                    found.append(requirement)
                    break
        return found

    def record(self, project: str, closure: bool) -> list[Requirement]:
        page = self.page(project)
        versions = self.kept_versions(project)
        kept_files = [e for e in page["files"] if _file_version(e["filename"]) in versions]
        wheels = [e for e in kept_files if e["filename"].endswith(".whl")]
        with ThreadPoolExecutor(max_workers=8) as pool:
            blobs = list(pool.map(self.metadata, wheels))
        directory = self.out / project
        if (directory / "metadata").exists():
            shutil.rmtree(directory / "metadata")  # drop files of versions no longer kept
        (directory / "metadata").mkdir(parents=True, exist_ok=True)
        digests: set[str] = set()
        requirements: list[Requirement] = []
        for entry, blob in zip(wheels, blobs):
            if blob is None:
                continue
            digest = hashlib.sha256(blob).hexdigest()
            published = entry.get("core-metadata") or entry.get("dist-info-metadata")
            if isinstance(published, dict) and published.get("sha256") not in (None, digest):
                raise SystemExit(f"metadata hash mismatch for {entry['filename']}")
            if not isinstance(published, dict):
                entry["core-metadata"] = {"sha256": digest}
                entry["dist-info-metadata"] = {"sha256": digest}
                self.annotated.add(entry["filename"])
            if digest not in digests:
                digests.add(digest)
                (directory / "metadata" / f"{digest}.metadata").write_bytes(blob)
                requirements.extend(self.dependencies(blob))
        trimmed = dict(page)
        trimmed["files"] = kept_files
        if "versions" in page:
            kept_strings = {str(v) for v in versions}
            trimmed["versions"] = [v for v in page["versions"] if _normal(v) in kept_strings]
        text = json.dumps(trimmed, indent=1, sort_keys=False) + "\n"
        (directory / "index.json").write_text(text, encoding="utf-8")
        self.notes[project] = {
            "url": f"{self.index}{project}/",
            "versions": [str(v) for v in versions],
            "total_files": len(page["files"]),
            "total_versions": len(page.get("versions", [])),
            "kept_files": len(kept_files),
            "metadata_files": len(digests),
            "annotated": sum(1 for e in wheels if e["filename"] in self.annotated),
            "range_read": sum(1 for e in wheels if e["filename"] in self.range_read),
            "required_by": sorted(self.required_by.get(project, {"(requested)"})),
        }
        return requirements if closure else []

    def provenance(self, argv: list[str]) -> str:
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# Recorded PyPI pages (PEP 691 JSON, trimmed) and PEP 658 metadata files",
            "",
            f"Recorded {today} by `python scripts/record_index.py {' '.join(argv)}`",
            f"from `{self.index}` (JSON, `Accept: {ACCEPT_JSON}`) and the file host's",
            "`<wheel url>.metadata` files. Nothing is invented: every page entry, hash, size",
            "and upload time is as served. What was changed:",
            "",
            "- **Trimmed**: only the files of the kept versions remain in `files`, and",
            "  `versions` (PEP 700) lists only those versions. Which versions were kept: the",
            "  `==` pins the requirers name, else the newest few final releases allowed by",
            "  every requirer's specifier plus the newest release supporting each Python in",
            f"  {', '.join(self.pythons)} (markers evaluated for {self.platform}).",
            "- **Annotated**: the pages as served here carry no `core-metadata` keys although",
            "  the file host serves the `.metadata` files (pypi.org publishes these keys per",
            "  PEP 714). For each wheel whose `.metadata` file was fetched, the recorder added",
            '  `"core-metadata"` and `"dist-info-metadata"` = `{"sha256": <digest of the',
            '  fetched file>}`. The "annotated" column counts these entries.',
            "- **Metadata read from the wheel**: this machine's file host answered 404 for",
            "  many `.metadata` files. For those wheels the recorder read the",
            "  `*.dist-info/METADATA` member out of the wheel with HTTP range requests",
            "  (tail, central directory, member), which PEP 658 defines as the same bytes;",
            '  the "from wheel" column counts them.',
            "- **Metadata files** are stored once per digest in `<project>/metadata/`",
            "  (`<sha256>.metadata`); `tests/indexserver.py` serves them as",
            "  `<wheel>.metadata` by looking the digest up in the page.",
            "",
            "| project | page URL | kept versions | files kept/total | versions total |"
            " metadata files | annotated | from wheel | required by |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for project in sorted(self.notes):
            note = self.notes[project]
            lines.append(
                f"| {project} | {note['url']} | {', '.join(note['versions'])} |"
                f" {note['kept_files']}/{note['total_files']} | {note['total_versions']} |"
                f" {note['metadata_files']} | {note['annotated']} | {note['range_read']} |"
                f" {', '.join(note['required_by'])} |"
            )
        return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("requirements", nargs="+", help="project or PEP 508 requirement")
    parser.add_argument("--out", type=Path, default=Path("fixtures/index/pypi"))
    parser.add_argument("--index", default="https://pypi.org/simple/")
    parser.add_argument("--keep", type=int, default=3, help="newest versions kept per project")
    parser.add_argument("--pythons", default="3.9,3.10,3.11,3.12,3.13")
    parser.add_argument("--platform", default="linux-x86_64", choices=sorted(PLATFORM_ENV))
    parser.add_argument("--closure", action="store_true", help="record dependencies too")
    parser.add_argument("--note", default="", help="a paragraph added to PROVENANCE.md")
    args = parser.parse_args(argv)
    recorder = Recorder(args.out, args.index, args.keep, args.pythons.split(","), args.platform)
    queue: list[str] = []
    seen: set[tuple[str, str]] = set()
    for text in args.requirements:
        requirement = Requirement(text)
        recorder.add(requirement, "(requested)")
        queue.append(canonicalize_name(requirement.name))
    while queue:
        project = queue.pop(0)
        for requirement in recorder.record(project, args.closure):
            name = canonicalize_name(requirement.name)
            recorder.required_by.setdefault(name, set()).add(project)
            key = (name, str(requirement.specifier))
            if key in seen:
                continue
            # A constraint not seen before: (re-)record the project so its kept
            # versions honour it. Identical constraints end the walk on cycles.
            seen.add(key)
            recorder.add(requirement, project)
            if name not in queue:
                queue.append(name)
    recorder.out.mkdir(parents=True, exist_ok=True)
    shown = sys.argv[1:] if argv is None else argv
    shown_args: list[str] = []
    skip_next = False
    for arg in shown:  # the note is in the file already; keep the command line short
        if skip_next or arg.startswith("--note="):
            skip_next = False
            continue
        if arg == "--note":
            skip_next = True
            continue
        shown_args.append(arg)
    text = recorder.provenance(shown_args)
    if args.note:
        text += "\n" + args.note.strip() + "\n"
    (recorder.out / "PROVENANCE.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
