"""Pure parsers for simple-repository project pages: PEP 503 HTML and PEP 691 JSON.

No I/O here: the client fetches, these functions turn text into :class:`ProjectPage`.

The HTML parser is a small regex scanner rather than ``html.parser``: index pages are
machine-generated lists of ``<a>`` tags, and PyTorch's pages carry thousands of them,
so a single pass over the text is what keeps parsing in the milliseconds.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from typing import Any, Optional, Union
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from torchenv.errors import IndexError_
from torchenv.index.models import DIST_SUFFIXES, Link, ProjectPage
from torchenv.urls import redact_url

__all__ = [
    "JSON_CONTENT_TYPE",
    "HTML_CONTENT_TYPE",
    "parse_html_page",
    "parse_json_page",
    "parse_project_page",
    "project_name_from_url",
]

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_CONTENT_TYPE = "application/vnd.pypi.simple.v1+html"

# An <a ...>text</a> element; attribute values may be quoted and may contain ">".
_ANCHOR = re.compile(
    r"""<a\b((?:[^>"']+|"[^"]*"|'[^']*')*)>(.*?)</a\s*>""",
    re.IGNORECASE | re.DOTALL,
)
_BASE = re.compile(r"""<base\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""",
)
_TAG = re.compile(r"<[A-Za-z!/]")
_HASH_FRAGMENT = re.compile(r"^([A-Za-z0-9_]+)=([0-9A-Fa-f]+)$")
_HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)
# In a relative href, what makes urljoin do more than append it to the base folder.
_SPECIAL = re.compile(r"[:/\\]")


def project_name_from_url(page_url: str) -> str:
    """``https://pypi.org/simple/Typing_Extensions/`` -> ``typing-extensions``.

    A trailing ``index.html``/``index.json`` (file mirrors) is skipped.
    """
    segments = [s for s in urlsplit(page_url).path.split("/") if s]
    if segments and segments[-1].lower() in ("index.html", "index.htm", "index.json"):
        segments.pop()
    return canonicalize_name(unquote(segments[-1])) if segments else ""


def _unescape(value: str) -> str:
    return html.unescape(value) if "&" in value else value


def _attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        raw = match.group(2)
        if raw is None:
            raw = match.group(3)
        if raw is None:
            raw = match.group(4)
        attrs[name] = _unescape(raw) if raw is not None else ""
    return attrs


def _split_fragment(url: str) -> tuple[str, dict[str, str]]:
    """Drop the ``#sha256=...`` fragment from ``url`` and return it as hashes."""
    # str.partition, not urlsplit: this runs once per anchor on pages of thousands.
    url, _, fragment = url.partition("#")
    hashes: dict[str, str] = {}
    if fragment:
        match = _HASH_FRAGMENT.match(fragment)
        if match and match.group(1).lower() in _HASH_NAMES:
            hashes[match.group(1).lower()] = match.group(2).lower()
    return url, hashes


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
        if self.folder and not href.startswith((".", "?", "#")) and not _SPECIAL.search(href):
            return self.folder + href
        return urljoin(self.base_url, href)


def _filename(url: str, text: str) -> Optional[str]:
    """The distribution file name: the URL's last segment, else the anchor text."""
    candidate = unquote(url.partition("?")[0].rsplit("/", 1)[-1])
    if candidate.lower().endswith(DIST_SUFFIXES):
        return candidate
    label = _unescape(text).strip()
    if label.lower().endswith(DIST_SUFFIXES) and "/" not in label:
        return label
    return None


def _html_metadata(attrs: Mapping[str, str]) -> Optional[dict[str, str]]:
    # PEP 714 renamed the attribute; prefer the new name, accept the old one.
    value = attrs.get("data-core-metadata")
    if value is None:
        value = attrs.get("data-dist-info-metadata")
    if value is None or value.strip().lower() == "false":
        return None
    value = value.strip()
    if "=" in value:
        name, _, digest = value.partition("=")
        return {name.strip().lower(): digest.strip().lower()}
    return {}


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
        href = _attributes(base.group(1)).get("href")
        if href:
            base_url = urljoin(page_url, href)
    links: list[Link] = []
    joiner = _Joiner(base_url)
    for match in _ANCHOR.finditer(text):
        attrs = _attributes(match.group(1))
        href = attrs.get("href")
        if not href:
            continue
        url, hashes = _split_fragment(joiner.join(href.strip()))
        filename = _filename(url, match.group(2))
        if filename is None:
            continue
        links.append(
            Link(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=attrs.get("data-requires-python") or None,
                yanked=attrs.get("data-yanked"),
                metadata_hashes=_html_metadata(attrs),
                size=None,
                upload_time=attrs.get("data-upload-time") or None,
            )
        )
    return ProjectPage(
        name=canonicalize_name(name) if name else project_name_from_url(page_url),
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
        name=canonicalize_name(page_name)
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
