"""The slice of the knowledge base ``check`` reads, as structural types.

``check`` judges only from ``torchenv.catalog`` (offline, packaged data); these
Protocols name exactly what it uses, so the rules are typed against the interface and
tests can hand in a small stand-in where a case needs a release the data lacks.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Protocol

__all__ = ["LazyCatalog", "load_knowledge"]


if TYPE_CHECKING:
    # Structural types for mypy only: defining Protocols imports typing at run time.
    class BuildLike(Protocol):
        """One variant's wheels for one platform; ``label``: torch filenames carry ``+cu128``
        there; ``companion_label``: torchvision/torchaudio filenames do."""

        @property
        def label(self) -> bool: ...
        @property
        def companion_label(self) -> bool: ...

    class VariantLike(Protocol):
        @property
        def name(self) -> str: ...
        @property
        def kind(self) -> str: ...
        @property
        def platforms(self) -> tuple[str, ...]: ...
        def build(self, platform: str) -> Optional[BuildLike]: ...
        def cuda_archs(self, platform: str) -> tuple[str, ...]: ...
        def ptx(self, platform: str) -> Optional[str]: ...

    class ReleaseLike(Protocol):
        @property
        def version(self) -> str: ...
        @property
        def requires_python(self) -> str: ...
        @property
        def variant_names(self) -> tuple[str, ...]: ...
        @property
        def torchvision(self) -> Optional[str]: ...
        @property
        def torchaudio(self) -> Optional[str]: ...
        def variant(self, name: str) -> Optional[VariantLike]: ...
        def python_tags(self, platform: str) -> tuple[str, ...]: ...

    class CatalogLike(Protocol):
        @property
        def releases(self) -> tuple[ReleaseLike, ...]: ...
        def latest(self) -> ReleaseLike: ...
        def paired_version(self, package: str, torch_version: str) -> Optional[str]: ...
        def torch_for(self, package: str, version: str) -> Optional[str]: ...


def load_knowledge() -> CatalogLike:
    """The packaged knowledge base (cached by the catalog module)."""
    from torchenv.catalog import load_catalog

    catalog: CatalogLike = load_catalog()
    return catalog


class LazyCatalog:
    """Loads the knowledge base on first use: a commit touching only files without
    torch pins (``requirements-dev.txt`` with pytest) never pays for loading it."""

    def __init__(self) -> None:
        self._catalog: Optional[CatalogLike] = None

    def _loaded(self) -> CatalogLike:
        if self._catalog is None:
            self._catalog = load_knowledge()
        return self._catalog

    @property
    def releases(self) -> tuple[ReleaseLike, ...]:
        return self._loaded().releases

    def latest(self) -> ReleaseLike:
        return self._loaded().latest()

    def paired_version(self, package: str, torch_version: str) -> Optional[str]:
        return self._loaded().paired_version(package, torch_version)

    def torch_for(self, package: str, version: str) -> Optional[str]:
        return self._loaded().torch_for(package, version)
