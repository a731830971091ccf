"""What an export writes, independent of the format: pinned packages and their routes.

Every exporter is a pure function ``ExportPlan -> str``. A plan is built either from a
PEP 751 lock (versions, wheel URLs and hashes recorded) or from a selection (versions
only, no hashes); ``locked`` says which, and each format's header says so too.
"""

from __future__ import annotations

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["DEFAULT_INDEX", "ExportPlan", "PinnedPackage", "Route"]

DEFAULT_INDEX = "https://pypi.org/simple"


class Route(Record):
    """One PyTorch variant and the targets that use it.

    ``marker`` selects those targets (``sys_platform == 'linux' and ...``); None when
    the plan has a single route and needs no marker.
    """

    variant: str
    index_url: str
    targets: tuple[str, ...]
    marker: Optional[str]
    # what "the same machine" means when comparing routes: platforms or lock environments
    platforms: tuple[str, ...] = ()


class PinnedPackage(Record):
    """One requirement line of an export.

    ``version`` is None for an unpinned user requirement (``specifier`` then carries
    what the user wrote). ``index_url`` is where the package must come from; the torch
    family (and anything a lock recorded from the PyTorch index) has ``pytorch`` set.
    """

    name: str
    version: Optional[str]
    marker: Optional[str]
    index_url: str
    hashes: tuple[str, ...] = ()  # sha256 of each wheel, in wheel_urls order
    wheel_urls: tuple[str, ...] = ()
    pytorch: bool = False
    variant: Optional[str] = None
    specifier: str = ""

    @property
    def release(self) -> Optional[str]:
        """The version without its local label (``2.7.1+cu128`` -> ``2.7.1``)."""
        return self.version.split("+")[0] if self.version else None

    @property
    def pin(self) -> str:
        """``==2.7.1+cu128`` for a pinned package, else the user's specifier."""
        return f"=={self.version}" if self.version else self.specifier


class ExportPlan(Record):
    """Everything an exporter needs; URLs never carry credentials."""

    python: str
    routes: tuple[Route, ...]
    default_index_url: str
    packages: tuple[PinnedPackage, ...]
    locked: bool
    command: str
    name: str = "torchenv"

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(route.variant for route in self.routes)

    def route(self, variant: str) -> Route:
        for route in self.routes:
            if route.variant == variant:
                return route
        raise KeyError(variant)

    @property
    def routes_overlap(self) -> bool:
        """True when two variants serve one platform (cpu and cu128 both on Linux)."""
        seen: set[str] = set()
        for route in self.routes:
            if seen & set(route.platforms):
                return True
            seen |= set(route.platforms)
        return False

    @property
    def pytorch_packages(self) -> tuple[PinnedPackage, ...]:
        return tuple(p for p in self.packages if p.pytorch)

    @property
    def default_packages(self) -> tuple[PinnedPackage, ...]:
        return tuple(p for p in self.packages if not p.pytorch)
