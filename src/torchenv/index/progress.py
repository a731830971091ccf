"""What the index client reports while it works; the CLI decides how to draw it.

Library code never prints: the client calls a ``progress`` callback with these
events. URLs in events are already redacted.
"""

from __future__ import annotations

from collections.abc import Callable

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = [
    "EVENT_KINDS",
    "ProgressCallback",
    "ProgressEvent",
]

EVENT_KINDS = (
    "fetch",  # a page or file request started
    "cached",  # served from the cache (304 or offline)
    "retry",  # a transient failure; another attempt follows
    "warning",  # worked, but in a costly or unusual way (full wheel download)
    "download",  # bytes of a file arrived (current/total)
    "done",  # a request finished
)


# A Record, not a dataclass: ``dataclasses`` (and the ``inspect`` it imports) would be
# ~5 ms of the lock fast path that revalidates pages.
class ProgressEvent(Record):
    kind: str
    message: str
    url: str = ""
    current: Optional[int] = None
    total: Optional[int] = None


ProgressCallback = Callable[[ProgressEvent], None]
