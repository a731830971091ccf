"""Where the PyTorch wheels live: the index base, per-variant and per-channel URLs.

The base is configurable so that mirrors and air-gapped sites work (peers hard-code
download.pytorch.org, uv#19569). Precedence: ``--pytorch-index-url`` flag, then
``[tool.torchenv] pytorch-index-url`` in pyproject.toml, then the environment variable
``TORCHENV_PYTORCH_INDEX_URL``, then :data:`DEFAULT_PYTORCH_INDEX`.
"""

from __future__ import annotations

import os
import re

from torchenv.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

__all__ = [
    "CHANNELS",
    "DEFAULT_PYTORCH_INDEX",
    "INDEX_ENV",
    "parse_variant_index_url",
    "pytorch_index_base",
    "variant_index_url",
]

DEFAULT_PYTORCH_INDEX = "https://download.pytorch.org/whl"
INDEX_ENV = "TORCHENV_PYTORCH_INDEX_URL"
CHANNELS = ("stable", "test", "nightly")

_VARIANT = re.compile(r"^(cpu|cu\d{3}|rocm\d+\.\d+(?:\.\d+)?|xpu)$")


def _normalise_base(url: str, origin: str) -> str:
    from urllib.parse import urlsplit  # urllib.parse (with ipaddress) costs ~3 ms at start-up

    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "file") or not (
        parts.netloc or parts.scheme == "file"
    ):
        from torchenv.urls import redact_url

        raise UsageError(f"{origin}: {redact_url(text)!r} is not an http(s) or file URL")
    return text.rstrip("/")


def pytorch_index_base(
    cli_value: Optional[str] = None,
    project_value: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """The PyTorch index base URL (``…/whl``), by precedence flag > project > env > default."""
    env = os.environ if environ is None else environ
    if cli_value:
        return _normalise_base(cli_value, "--pytorch-index-url")
    if project_value:
        return _normalise_base(project_value, "[tool.torchenv] pytorch-index-url")
    if env.get(INDEX_ENV):
        return _normalise_base(env[INDEX_ENV], INDEX_ENV)
    return DEFAULT_PYTORCH_INDEX


def variant_index_url(base: str, variant: str, channel: str = "stable") -> str:
    """``(…/whl, cu128, "test")`` -> ``…/whl/test/cu128``."""
    if channel not in CHANNELS:
        raise UsageError(f"unknown channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    root = base.rstrip("/")
    if channel != "stable":
        root = f"{root}/{channel}"
    return f"{root}/{variant}"


def parse_variant_index_url(url: str) -> Optional[tuple[str, str]]:
    """``…/whl/cu128`` -> ``("stable", "cu128")``; ``…/whl/nightly/cpu/`` -> ``("nightly", "cpu")``.

    Any host is accepted (mirrors keep the layout); returns None when the last path
    segment is not a variant name.
    """
    from urllib.parse import urlsplit

    path = urlsplit(url.strip()).path
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1] in ("simple", "index.html"):
        segments.pop()
    if not segments or not _VARIANT.match(segments[-1]):
        return None
    variant = segments[-1]
    channel = (
        segments[-2] if len(segments) >= 2 and segments[-2] in ("test", "nightly") else "stable"
    )
    return channel, variant
