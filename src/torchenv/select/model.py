"""The result of a selection: what to install for one target, why, and what was rejected."""

from __future__ import annotations

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = ["Rejection", "Selection"]


class Rejection(Record):
    """An alternative backend that was considered and why it lost."""

    backend: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"backend": self.backend, "reason": self.reason}


class Selection(Record):
    """The backend, index and wheel for one target, with reasons.

    ``torch`` is the full version as the index lists it, local label included
    (``"2.7.1+cu128"``; macOS and some aarch64 wheels have none). ``index_url`` never
    carries credentials. ``error`` is set (and the version fields None) when the target
    cannot be served; the reasons then say why and what would work.
    """

    target: str
    backend: Optional[str]
    index_url: Optional[str]
    torch: Optional[str]
    torchvision: Optional[str]
    torchaudio: Optional[str]
    wheel: Optional[str]
    reasons: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    error: Optional[str] = None
    python: Optional[str] = None
    channel: str = "stable"
    verified: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def release(self) -> Optional[str]:
        """The torch release without the local label (``"2.7.1"``)."""
        return self.torch.split("+")[0] if self.torch else None

    def to_dict(self) -> dict[str, Any]:
        """The ``torchenv resolve --json`` object for this target (documented contract)."""
        return {
            "target": self.target,
            "backend": self.backend,
            "index_url": self.index_url,
            "torch": self.torch,
            "torchvision": self.torchvision,
            "torchaudio": self.torchaudio,
            "wheel": self.wheel,
            "python": self.python,
            "channel": self.channel,
            "verified": self.verified,
            "reasons": list(self.reasons),
            "rejected": [r.to_dict() for r in self.rejected],
            "error": self.error,
        }
