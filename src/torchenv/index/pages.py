"""Pure parsers for simple-repository project pages: PEP 503 HTML and PEP 691 JSON.

No I/O here: the client fetches, these functions turn text into :class:`ProjectPage`.

The HTML parser is a small regex scanner rather than ``html.parser``: index pages are
machine-generated lists of ``<a>`` tags, and PyTorch's pages carry thousands of them,
so a single pass over the text is what keeps parsing in the milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Optional, Union
from urllib.parse import unquote, urljoin, urlsplit

from torchenv.errors import IndexError_
from torchenv.index.models import DIST_SUFFIXES, Link, ProjectPage
from torchenv.urls import redact_url

__all__ = [
    "JSON_CONTENT_TYPE",
    "canonical_name",
    "HTML_CONTENT_TYPE",
    "parse_html_page",
    "parse_json_page",
    "parse_project_page",
    "project_name_from_url",
]

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_CONTENT_TYPE = "application/vnd.pypi.simple.v1+html"

# An <a ...>text</a> element. Attribute values may be quoted and may contain ">", so the
# attributes end at the first ">" outside quotes. The quoted runs are "unrolled"
# ([^>"']* between quoted strings, never a repeated [^>"']+ inside a repeat): the same
# matches, but an <a that never closes costs linear time instead of exponential
# backtracking over every way to split a run of characters.
#
# The first alternative is the anchor shape PyPI, download.pytorch.org and plain
# mirrors write: href first, then some of the PEP 503/592/658/714 attributes, each
# double-quoted, in one of the orders those servers use. Its groups hand over the values
# directly (no attribute dict per anchor), and each optional value keeps its opening
# quote, so an empty value ('"') is told apart from an absent attribute (''). Anything
# else (single quotes, unquoted values, other attributes or orders, upper case) takes
# the second alternative, which captures the whole attribute text for _attributes. Both
# end at the same ">", so which one matched never changes the anchor's extent.
_ANCHOR = re.compile(
    r"""<[aA]\b(?:"""
    # The common shape: groups 1-6.
    r"""\s+href=("[^"]*)\""""
    r"""(?:\s+data-requires-python="([^"]*)")?"""
    r"""(?:\s+data-yanked=("[^"]*)")?"""
    r"""(?:\s+data-dist-info-metadata=("[^"]*)")?"""
    r"""(?:\s+data-core-metadata=("[^"]*)")?"""
    r"""(?:\s+data-yanked=("[^"]*)")?"""
    r"""\s*"""
    # Anything else: group 7, the whole attribute text.
    r"""|([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)"""
    # Group 8: the anchor text.
    r""")>(.*?)</[aA]\s*>""",
    re.DOTALL,
)
_BASE = re.compile(r"""<base\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""",
)
_TAG = re.compile(r"<[A-Za-z!/]")
_HASH_FRAGMENT = re.compile(r"^([A-Za-z0-9_]+)=([0-9A-Fa-f]+)$")
_HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)


def canonical_name(name: str) -> str:
    """The PEP 503 normalised name (``packaging.utils.canonicalize_name``).

    packaging.utils is imported on first use: it pulls in ``packaging.tags`` (logging,
    subprocess, sysconfig: ~10 ms), which the lock fast path's page revalidation would
    otherwise never need.
    """
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def project_name_from_url(page_url: str) -> str:
    """``https://pypi.org/simple/Typing_Extensions/`` -> ``typing-extensions``.

    A trailing ``index.html``/``index.json`` (file mirrors) is skipped.
    """
    segments = [s for s in urlsplit(page_url).path.split("/") if s]
    if segments and segments[-1].lower() in ("index.html", "index.htm", "index.json"):
        segments.pop()
    return canonical_name(unquote(segments[-1])) if segments else ""


def _unescape(value: str) -> str:
    """``html.unescape(value)``, without importing ``html`` for what index pages use.

    Importing ``html`` (and its 2000-entry ``html.entities`` table) costs about 2 ms of
    every lock start, yet pages only escape ``>``, ``<``, ``&``, ``"`` and ``'``. When
    every "&" in ``value`` starts one of those six references, replacing them (``&amp;``
    last, so "&amp;gt;" stays "&gt;") is exactly what html.unescape's single left-to-
    right pass does; the replacements add no "&", so none can form a new reference.
    Anything else (other names, other numbers, no ";") goes to html.unescape itself.
    """
    if "&" not in value:
        return value
    plain = (
        value.replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
    )
    if plain.count("&") == plain.count("&amp;"):
        return plain.replace("&amp;", "&")
    from html import unescape

    return unescape(value)


def _attributes(text: str) -> dict[str, str]:
    """Attribute names (lower case) to raw values: "" for a bare or empty attribute.

    Values are NOT unescaped: callers unescape the few they read. findall yields ""
    for the value alternatives that did not take part, so ``a or b or c`` is the one
    that did, or "" for a bare name, as for an empty quoted value.
    """
    return {name.lower(): (a or b or c) for name, a, b, c in _ATTRIBUTE.findall(text)}


def _split_fragment(url: str) -> tuple[str, dict[str, str]]:
    """Drop the ``#sha256=...`` fragment from ``url`` and return it as hashes."""
    # str.partition, not urlsplit: this runs once per anchor on pages of thousands.
    url, _, fragment = url.partition("#")
    match = _HASH_FRAGMENT.match(fragment) if fragment else None
    if match:
        name, digest = match.groups()
        name = name.lower()
        if name in _HASH_NAMES:
            return url, {name: digest.lower()}
    return url, {}


class _Joiner:
    """``urljoin`` with fast paths for the two href forms index pages use."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        # The folder a bare file name resolves into (PyPI's "demo-1.0.whl#sha256=..."):
        # only for a plain base ending in "/", where urljoin would just append.
        plain = parts.netloc and base_url.endswith("/") and not parts.query
        self.folder = base_url if plain and "#" not in base_url else ""

    def join(self, href: str) -> str:
        if href.startswith(("https://", "http://")):
            return href
        if self.origin and href.startswith("/") and not href.startswith("//"):
            return self.origin + href
        # ":", "/" or "\\" in a relative href make urljoin do more than append it to
        # the folder (three substring tests cost less than one regex search).
        if (
            self.folder
            and not href.startswith((".", "?", "#"))
            and ":" not in href
            and "/" not in href
            and "\\" not in href
        ):
            return self.folder + href
        return urljoin(self.base_url, href)


def _filename(url: str, text: str) -> Optional[str]:
    """The distribution file name: the URL's last segment, else the anchor text."""
    path = url.partition("?")[0]
    candidate = path[path.rfind("/") + 1 :]
    if "%" in candidate:
        # Index file names escape only "+" (as %2B); when that is the only escape,
        # replacing it is what unquote would return.
        plain = candidate.replace("%2B", "+")
        candidate = plain if "%" not in plain else unquote(candidate)
    # Lower-casing cannot remove an ASCII suffix, so a case-sensitive hit is enough.
    if candidate.endswith(DIST_SUFFIXES) or candidate.lower().endswith(DIST_SUFFIXES):
        return candidate
    label = _unescape(text).strip()
    if label.lower().endswith(DIST_SUFFIXES) and "/" not in label:
        return label
    return None


def _html_metadata(value: Optional[str]) -> Optional[dict[str, str]]:
    """The hashes of a ``data-core-metadata`` value (already unescaped)."""
    if value is None:
        return None
    value = value.strip()
    # "=" first: the usual "sha256=<hex>" (a value with "=" cannot lower-case to "false").
    if "=" in value:
        name, _, digest = value.partition("=")
        return {name.strip().lower(): digest.strip().lower()}
    return None if value.lower() == "false" else {}


def parse_html_page(text: str, page_url: str, name: Optional[str] = None) -> ProjectPage:
    """Parse a PEP 503 project page.

    Hrefs resolve against ``<base href>`` when present, else ``page_url``; absolute
    hrefs to other hosts are kept (PyTorch serves files from a second host). Anchors
    that are not distribution files are skipped. A body with no HTML tags at all is
    not an index page (a proxy error text, a binary blob) and raises
    :class:`IndexError_`; a well-formed page without files is an empty project.
    """
    if not _TAG.search(text):
        raise IndexError_(
            f"{redact_url(page_url)}: not a simple-index HTML page (no HTML tags in the response)"
        )
    base_url = page_url
    base = _BASE.search(text)
    if base:
        href = _unescape(_attributes(base.group(1)).get("href", ""))
        if href:
            base_url = urljoin(page_url, href)
    links: list[Link] = []
    # Bound methods and locals: this loop runs once per anchor, thousands per page.
    append = links.append
    make_link = Link._make
    join = _Joiner(base_url).join
    # Requires-Python values repeat from file to file and are usually escaped (&gt;=3.9).
    requires_python_of: dict[str, Optional[str]] = {"": None}
    for quoted_href, requires, yanked1, dist_info, core, yanked2, rest, label in _ANCHOR.findall(
        text
    ):
        # Raw (still escaped) values first; each is unescaped below only if it has a "&".
        if quoted_href:  # the common shape; see _ANCHOR
            href = quoted_href[1:]
            quoted_yanked = yanked2 or yanked1  # the later one wins, as in a dict
            yanked = quoted_yanked[1:] if quoted_yanked else None
            quoted_metadata = core or dist_info  # PEP 714: the new name first
            metadata = quoted_metadata[1:] if quoted_metadata else None
            upload_time = ""
        else:
            attrs = _attributes(rest)
            href = attrs.get("href", "")
            requires = attrs.get("data-requires-python", "")
            yanked = attrs.get("data-yanked")
            # PEP 714 renamed the attribute; prefer the new name, accept the old one.
            metadata = attrs.get("data-core-metadata")
            if metadata is None:
                metadata = attrs.get("data-dist-info-metadata")
            upload_time = attrs.get("data-upload-time", "")
        if "&" in href:
            href = _unescape(href)
        if not href:
            continue
        url, hashes = _split_fragment(join(href.strip()))
        filename = _filename(url, label)
        if filename is None:
            continue
        if requires in requires_python_of:
            requires_python = requires_python_of[requires]
        else:
            requires_python = requires_python_of[requires] = _unescape(requires) or None
        if yanked and "&" in yanked:
            yanked = _unescape(yanked)
        if metadata and "&" in metadata:
            metadata = _unescape(metadata)
        if upload_time and "&" in upload_time:
            upload_time = _unescape(upload_time)
        append(
            make_link(
                (
                    filename,
                    url,
                    hashes,
                    requires_python,
                    yanked,
                    _html_metadata(metadata),
                    None,
                    upload_time or None,
                )
            )
        )
    return ProjectPage(
        name=canonical_name(name) if name else project_name_from_url(page_url),
        url=page_url,
        links=tuple(links),
    )


def _json_hashes(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise IndexError_(f"{where}: 'hashes' is not an object")
    return {str(k).lower(): str(v).lower() for k, v in value.items()}


def _json_metadata(entry: Mapping[str, Any], where: str) -> Optional[dict[str, str]]:
    value = entry.get("core-metadata")
    if value is None:
        value = entry.get("dist-info-metadata")
    if value is None or value is False:
        return None
    if value is True:
        return {}
    return _json_hashes(value, where)


def _json_yanked(value: Any) -> Optional[str]:
    if value is None or value is False:
        return None
    if value is True:
        return ""
    return str(value)


def parse_json_page(
    data: Union[bytes, str], page_url: str, name: Optional[str] = None
) -> ProjectPage:
    """Parse a PEP 691 project page (``application/vnd.pypi.simple.v1+json``).

    Raises :class:`IndexError_` naming the page for invalid JSON (a truncated
    response), an unsupported major API version, or entries without filename/url.
    """
    where = redact_url(page_url)
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexError_(f"{where}: invalid PEP 691 JSON ({exc})") from None
    if not isinstance(document, dict):
        raise IndexError_(f"{where}: PEP 691 page is not a JSON object")
    meta = document.get("meta")
    api_version = str(meta.get("api-version", "1.0")) if isinstance(meta, dict) else "1.0"
    if api_version.split(".", 1)[0] != "1":
        raise IndexError_(f"{where}: unsupported simple API version {api_version}")
    files = document.get("files")
    if not isinstance(files, list):
        raise IndexError_(f"{where}: PEP 691 page has no 'files' list")
    links: list[Link] = []
    joiner = _Joiner(page_url)
    for position, entry in enumerate(files):
        entry_where = f"{where}: files[{position}]"
        if not isinstance(entry, dict):
            raise IndexError_(f"{entry_where} is not an object")
        filename = entry.get("filename")
        href = entry.get("url")
        if not isinstance(filename, str) or not isinstance(href, str):
            raise IndexError_(f"{entry_where} lacks 'filename' or 'url'")
        url, fragment_hashes = _split_fragment(joiner.join(href))
        hashes = _json_hashes(entry.get("hashes"), entry_where) or fragment_hashes
        size = entry.get("size")
        upload_time = entry.get("upload-time")
        requires_python = entry.get("requires-python")
        links.append(
            Link(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=requires_python if isinstance(requires_python, str) else None,
                yanked=_json_yanked(entry.get("yanked")),
                metadata_hashes=_json_metadata(entry, entry_where),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                upload_time=upload_time if isinstance(upload_time, str) else None,
            )
        )
    page_name = name or document.get("name")
    return ProjectPage(
        name=canonical_name(page_name)
        if isinstance(page_name, str) and page_name
        else project_name_from_url(page_url),
        url=page_url,
        links=tuple(links),
    )


def parse_project_page(
    body: Union[bytes, str], content_type: str, page_url: str, name: Optional[str] = None
) -> ProjectPage:
    """Dispatch on the response's Content-Type (JSON for PEP 691, anything else HTML)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if (
        media_type == JSON_CONTENT_TYPE
        or media_type.endswith("+json")
        or media_type.endswith("/json")
    ):
        return parse_json_page(body, page_url, name)
    if isinstance(body, bytes):
        charset = "utf-8"
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
    else:
        text = body
    return parse_html_page(text, page_url, name)
