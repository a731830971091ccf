"""How long a cached index page may be used without asking the server (RFC 9111 §4.2).

Pure functions over response headers and clock readings; the client records the
result with the page as ``fresh_until`` (seconds since the epoch, this machine's clock)
so that a later run decides with one comparison, without parsing dates.

- Explicit freshness wins: ``Cache-Control: max-age`` (pypi.org sends ``max-age=600``),
  else ``Expires`` minus ``Date``.
- ``no-cache`` and ``no-store`` mean "ask every time"; an unreadable ``max-age`` or
  ``Expires`` (``Expires: 0`` included) means already stale, as RFC 9111 requires, and
  so does a ``max-age`` given twice (§4.2.1 allows "first wins" or "stale"; stale is
  the safe reading of a response that contradicts itself).
- Without explicit freshness, a page with ``Last-Modified`` gets the customary heuristic
  (§4.2.2) of 10 % of its age when served, capped at :data:`HEURISTIC_CAP` (pypi.org's
  own ``max-age``), so a server that says nothing is never trusted longer than PyPI
  asks to be.
- Age (§4.2.3): the ``Age`` header and the time the request took are counted as
  already spent, so a page that a proxy held for a while expires sooner.

This is a private cache (one user's), so ``private`` is honoured as cacheable and
``s-maxage`` is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

__all__ = [
    "HEURISTIC_CAP",
    "HEURISTIC_FRACTION",
    "corrected_initial_age",
    "fresh_until",
    "freshness_lifetime",
    "is_storable",
    "parse_cache_control",
    "parse_http_date",
]

HEURISTIC_FRACTION = 0.1
HEURISTIC_CAP = 600.0


def parse_cache_control(value: Optional[str]) -> dict[str, Optional[str]]:
    """Directives of a ``Cache-Control`` value, lower-cased.

    ``"max-age=600, public"`` -> ``{"max-age": "600", "public": None}``. Quoted
    arguments lose their quotes; commas inside quotes (``no-cache="a, b"``) are kept
    together. A directive given more than once gets the argument ``""``, which no
    numeric directive accepts: ``max-age=10, max-age=99`` makes the response stale.
    """
    directives: dict[str, Optional[str]] = {}
    if not value:
        return directives
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    for part in parts:
        name, sep, argument = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in directives:
            directives[name] = ""  # contradicts itself: unusable (RFC 9111 §4.2.1)
            continue
        directives[name] = argument.strip().strip('"') if sep else None
    return directives


def parse_http_date(value: Optional[str]) -> Optional[float]:
    """An HTTP date (IMF-fixdate, RFC 850 or asctime) as epoch seconds; None if unreadable."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime  # only when a response came in

    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:  # pragma: no cover - Python < 3.10 returns None instead of raising
        return None
    if parsed.tzinfo is None:  # "-0000" and asctime: HTTP dates are always UTC
        from datetime import timezone

        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _seconds(argument: Optional[str]) -> Optional[int]:
    # isascii(): str.isdigit() also accepts digits such as "²" that int() refuses.
    if argument is None or not (argument.isascii() and argument.isdigit()):
        return None
    return int(argument)


def is_storable(headers: Mapping[str, str]) -> bool:
    """False for ``Cache-Control: no-store``: such a page must not be written to disk."""
    return "no-store" not in parse_cache_control(headers.get("cache-control"))


def freshness_lifetime(headers: Mapping[str, str], response_time: float) -> float:
    """Seconds the response stays fresh from its generation (0: revalidate every time).

    ``headers`` must have lower-case names (httpx's ``Headers`` match any case).
    ``response_time`` stands in for a missing or unreadable ``Date``.
    """
    directives = parse_cache_control(headers.get("cache-control"))
    if "no-cache" in directives or "no-store" in directives:
        return 0.0
    if "max-age" in directives:
        max_age = _seconds(directives["max-age"])
        return float(max_age) if max_age is not None else 0.0
    date = parse_http_date(headers.get("date"))
    if date is None:
        date = response_time
    if "expires" in headers:
        expires = parse_http_date(headers.get("expires"))
        return max(0.0, expires - date) if expires is not None else 0.0
    last_modified = parse_http_date(headers.get("last-modified"))
    if last_modified is not None and last_modified < date:
        return min(HEURISTIC_CAP, (date - last_modified) * HEURISTIC_FRACTION)
    return 0.0


def corrected_initial_age(
    headers: Mapping[str, str], request_time: float, response_time: float
) -> float:
    """The response's age when it arrived: ``Age`` plus transit, or the ``Date`` gap."""
    date = parse_http_date(headers.get("date"))
    apparent = max(0.0, response_time - date) if date is not None else 0.0
    age_value = _seconds((headers.get("age") or "").strip()) or 0
    corrected_age = age_value + max(0.0, response_time - request_time)
    return max(apparent, corrected_age)


def fresh_until(headers: Mapping[str, str], request_time: float, response_time: float) -> float:
    """Epoch seconds until which the response may be reused without a request.

    ``request_time``/``response_time``: this machine's clock when the request was sent
    and when its response arrived. A result at or before ``response_time`` means stale.
    """
    lifetime = freshness_lifetime(headers, response_time)
    if lifetime <= 0:
        return response_time
    return response_time + lifetime - corrected_initial_age(headers, request_time, response_time)
