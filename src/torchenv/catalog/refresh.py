"""``torchenv catalog refresh``: rebuild release/variant/platform/Python-tag facts from a
live PyTorch index and merge them into the catalog document.

Pure parts (``parse_variant_root``, ``observe``, ``merge``) work on page text and dicts;
``refresh_catalog`` does the fetching through an injectable ``fetch`` function (the
default uses httpx; tests pass an ``httpx.MockTransport`` over fixture pages).

What a refresh may change: which releases and variants exist, each variant's platforms,
Python tags, platform tags, ABI quirk and local labels (from wheel filenames, parsed with
``packaging.utils.parse_wheel_filename``). What it keeps: the hand-curated facts that
filenames cannot show (GPU architectures, driver minimums, gfx lists, pairing,
Requires-Python of known releases). A (release, variant) pair seen on the index gets
exactly the platforms seen; pairs not seen are left as they were.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from torchenv.catalog.model import release_key

__all__ = [
    "COMPANIONS",
    "dump_catalog",
    "Fetch",
    "Observation",
    "RefreshSummary",
    "merge",
    "observe",
    "parse_variant_root",
    "platform_of",
    "refresh_catalog",
]

COMPANIONS = ("torchvision", "torchaudio")
Fetch = Callable[[str], Optional[tuple[bytes, str]]]
"""``fetch(url) -> (body, content_type)`` or None for 404."""

_VARIANT_HREF = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_VARIANT = re.compile(r"^(cpu|cu\d{3}|rocm\d+\.\d+(?:\.\d+)?|xpu)$")


def dump_catalog(data: Mapping[str, Any]) -> str:
    """The catalog document as text: compact JSON with one release per line. It parses
    about twice as fast as indented JSON (it is read on every resolve) and still diffs
    release by release."""
    import json

    head = {k: v for k, v in data.items() if k != "releases"}
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in data["releases"]]
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return body + ',\n "releases": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def parse_variant_root(text: str) -> list[str]:
    """Variant directories listed on an index root page (``<a href="cu128/">``)."""
    found: dict[str, None] = {}
    for href in _VARIANT_HREF.findall(text):
        segment = [s for s in href.split("/") if s]
        if segment and _VARIANT.match(segment[-1]):
            found.setdefault(segment[-1], None)
    return list(found)


def platform_of(platform_tag: str) -> Optional[str]:
    """``manylinux_2_28_x86_64`` -> ``linux-x86_64``; unknown platforms (s390x) -> None."""
    first = platform_tag.split(".")[0]
    if first.startswith(("manylinux", "linux_")):
        if first.endswith("_x86_64"):
            return "linux-x86_64"
        if first.endswith("_aarch64"):
            return "linux-aarch64"
        return None
    if first == "win_amd64":
        return "windows-x86_64"
    if first == "win_arm64":
        return "windows-arm64"
    if first.startswith("macosx_"):
        return "macos-arm64" if first.endswith("_arm64") else "macos-x86_64"
    return None


@dataclass
class Observation:
    """What the index shows for one (release, variant, platform)."""

    python: dict[str, str] = field(default_factory=dict)  # python tag -> platform tag
    labelled: bool = False
    unlabelled: bool = False
    abi_none: bool = False


@dataclass
class Observations:
    """Everything seen on the index: torch wheels per (release, variant, platform), and
    for torchvision/torchaudio whether their files carry the local label, per
    (project, version, variant, platform)."""

    torch: dict[tuple[str, str, str], Observation] = field(default_factory=dict)
    companion_labels: dict[tuple[str, str, str, str], bool] = field(default_factory=dict)


def observe(variant: str, project: str, filenames: Iterable[str], into: Observations) -> int:
    """Record the wheels of one project page; returns how many final-release wheels it held."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    count = 0
    for filename in filenames:
        if not filename.endswith(".whl"):
            continue
        try:
            _name, version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            continue
        if version.is_prerelease or version.is_devrelease:
            continue
        public = version.public
        for tag in tags:
            platform = platform_of(tag.platform)
            if platform is None:
                continue
            count += 1
            if project != "torch":
                # Companions pair by torch version; record their label by their own version.
                into.companion_labels[(project, public, variant, platform)] = (
                    version.local is not None
                )
                continue
            obs = into.torch.setdefault((public, variant, platform), Observation())
            python_tag = tag.abi if tag.abi.endswith("t") else tag.interpreter
            full_tag = _full_platform_tag(filename)
            obs.python.setdefault(python_tag, full_tag)
            if version.local is not None:
                obs.labelled = True
            else:
                obs.unlabelled = True
            if tag.abi == "none":
                obs.abi_none = True
    return count


def _full_platform_tag(filename: str) -> str:
    """The platform part of the filename as written (compound tags kept whole)."""
    return filename[: -len(".whl")].split("-")[-1]


def _python_sort_key(tag: str) -> tuple[int, int, int]:
    digits = tag[2:].rstrip("t")
    return (int(digits[0]), int(digits[1:] or 0), 1 if tag.endswith("t") else 0)


@dataclass
class RefreshSummary:
    variants: list[str] = field(default_factory=list)
    wheels: int = 0
    releases_added: list[str] = field(default_factory=list)
    variants_added: list[str] = field(default_factory=list)
    builds_updated: int = 0
    missing_pages: list[str] = field(default_factory=list)


def _kind(variant: str) -> str:
    if variant.startswith("cu"):
        return "cuda"
    if variant.startswith("rocm"):
        return "rocm"
    return variant


def _inherit(data: Mapping[str, Any], version: str, variant: str, platform: str) -> dict[str, Any]:
    """Hand-curated fields (archs, gfx) of the same variant in the nearest older release."""
    older = sorted(
        (r for r in data["releases"] if release_key(r["version"]) < release_key(version)),
        key=lambda r: release_key(r["version"]),
        reverse=True,
    )
    for release in older:
        entry = release["variants"].get(variant)
        if entry and platform in entry["platforms"]:
            build = entry["platforms"][platform]
            return {k: build[k] for k in ("cuda_archs", "ptx") if k in build}
    return {}


def merge(
    data: Mapping[str, Any], seen: Observations, source: str
) -> tuple[dict[str, Any], RefreshSummary]:
    """A new catalog document: ``data`` with the observations merged in."""
    result = copy.deepcopy(dict(data))
    summary = RefreshSummary()
    releases = {r["version"]: r for r in result["releases"]}
    grouped: dict[tuple[str, str], dict[str, Observation]] = {}
    for (version, variant, platform), obs in seen.torch.items():
        grouped.setdefault((version, variant), {})[platform] = obs
    for (version, variant), platforms in sorted(
        grouped.items(), key=lambda i: release_key(i[0][0])
    ):
        release = releases.get(version)
        if release is None:
            tags = sorted({t for o in platforms.values() for t in o.python}, key=_python_sort_key)
            lowest = tags[0][2:].rstrip("t") if tags else "310"
            release = {
                "version": version,
                "requires_python": f">=3.{lowest[1:]}",
                "torchvision": None,
                "torchaudio": None,
                "pypi": {},
                "pypi_verified": False,
                "source": f"{source} (Requires-Python inferred from the lowest wheel tag)",
                "notes": ["added by 'torchenv catalog refresh': pairing and GPU facts unknown"],
                "variants": {},
            }
            releases[version] = release
            result["releases"].append(release)
            summary.releases_added.append(version)
        entry = release["variants"].get(variant)
        if entry is None:
            entry = {"kind": _kind(variant), "platforms": {}}
            if entry["kind"] == "cuda":
                entry["cuda"] = f"{variant[2:-1]}.{variant[-1]}"
            if entry["kind"] == "rocm":
                entry["rocm"] = variant[4:]
            release["variants"][variant] = entry
            summary.variants_added.append(f"{version} {variant}")
        old_platforms = entry["platforms"]
        new_platforms: dict[str, Any] = {}
        for platform, obs in sorted(platforms.items()):
            old = old_platforms.get(platform) or _inherit(result, version, variant, platform)
            python = sorted(obs.python, key=_python_sort_key)
            counts: dict[str, int] = {}
            for tag in obs.python.values():
                counts[tag] = counts.get(tag, 0) + 1
            main_tag = max(counts, key=lambda t: counts[t])
            companion = _companion_label(seen, release, variant, platform, obs.labelled)
            # A missing label never proves a CPU build, nor confirms a CUDA one (facts §3).
            confirmed = not (entry["kind"] != "cpu" and not obs.labelled)
            build: dict[str, Any] = {
                "platform_tag": main_tag,
                "python": python,
                "label": obs.labelled and not obs.unlabelled,
                "companion_label": companion,
                "abi_none": obs.abi_none,
                # GPU arch lists are hand-curated: their verified flag carries over.
                "verified": confirmed and ("cuda_archs" not in old or bool(old.get("verified"))),
                "source": source,
            }
            overrides = {t: p for t, p in obs.python.items() if p != main_tag}
            if overrides:
                build["platform_tag_for"] = overrides
            for key in ("cuda_archs", "ptx"):
                if key in old:
                    build[key] = old[key]
            new_platforms[platform] = build
            summary.builds_updated += 1
        entry["platforms"] = new_platforms
    result["releases"].sort(key=lambda r: release_key(r["version"]))
    return result, summary


def _companion_label(
    seen: Observations, release: Mapping[str, Any], variant: str, platform: str, default: bool
) -> bool:
    for project in COMPANIONS:
        version = release.get(project)
        if version:
            labelled = seen.companion_labels.get((project, version, variant, platform))
            if labelled is not None:
                return labelled
    return default


def http_fetcher(transport: Any = None, timeout: float = 30.0) -> Fetch:
    """A fetch function over httpx (``transport`` for tests); 404 -> None."""
    import httpx

    from torchenv.errors import IndexError_
    from torchenv.urls import redact_url

    client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True)

    def fetch(url: str) -> Optional[tuple[bytes, str]]:
        try:
            response = client.get(
                url,
                headers={
                    "Accept": "application/vnd.pypi.simple.v1+json, "
                    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
                },
            )
        except httpx.HTTPError as error:
            raise IndexError_(f"{redact_url(url)}: {error.__class__.__name__}: {error}") from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise IndexError_(f"{redact_url(url)}: HTTP {response.status_code}")
        return response.content, response.headers.get("content-type", "text/html")

    return fetch


def refresh_catalog(
    data: Mapping[str, Any],
    base: str,
    *,
    channel: str = "stable",
    fetch: Optional[Fetch] = None,
    today: str = "",
) -> tuple[dict[str, Any], RefreshSummary]:
    """Fetch the index under ``base`` and return the merged catalog document."""
    from torchenv.catalog.indexes import variant_index_url
    from torchenv.errors import IndexError_
    from torchenv.index.pages import parse_project_page
    from torchenv.urls import redact_url, strip_credentials

    get = fetch or http_fetcher()
    root = base.rstrip("/") + ("" if channel == "stable" else f"/{channel}") + "/"
    listing = get(root)
    variants = parse_variant_root(listing[0].decode("utf-8", "replace")) if listing else []
    if not variants:
        # No root listing (some mirrors): probe every variant name the catalog knows.
        names = {v for r in data["releases"] for v in r["variants"]}
        variants = sorted(names, key=lambda n: (_kind(n), n))
    seen = Observations()
    summary = RefreshSummary()
    for variant in variants:
        for project in ("torch", *COMPANIONS):
            url = variant_index_url(base, variant, channel) + f"/{project}/"
            response = get(url)
            if response is None:
                summary.missing_pages.append(redact_url(url))
                continue
            page = parse_project_page(response[0], response[1], url, project)
            summary.wheels += observe(
                variant, project, (link.filename for link in page.links), seen
            )
        summary.variants.append(variant)
    if not seen.torch:
        hint = (
            " (nightly pages list only .devYYYYMMDD builds; the catalog records releases)"
            if channel == "nightly"
            else ""
        )
        raise IndexError_(
            f"{redact_url(root)}: no final-release torch wheels found under this index{hint}"
        )
    stamp = f" on {today}" if today else ""
    # The file keeps no credentials at all (not even the user name redact_url shows).
    clean = strip_credentials(base)
    merged, merge_summary = merge(data, seen, f"catalog refresh from {clean}{stamp}")
    merged["generated_by"] = (
        f"torchenv catalog refresh --index-url {clean} --channel {channel}{stamp}, "
        f"over: {data.get('generated_by', 'unknown')}"
    )
    merge_summary.variants = summary.variants
    merge_summary.wheels = summary.wheels
    merge_summary.missing_pages = summary.missing_pages
    return merged, merge_summary
