"""The embedded PyTorch knowledge base: releases, variants, wheels, GPU archs, drivers.

Pure and offline: :func:`load_catalog` reads the catalog shipped in ``catalog/data``
(cached; the shipped one through its generated Python twin ``catalog._shipped``, which
the interpreter loads from its bytecode cache faster than json parses the file).
``torchenv catalog refresh`` (``catalog.refresh``) is the only part that fetches, and
it lives apart.
"""

from __future__ import annotations

import os
from functools import lru_cache

from torchenv.catalog.model import (
    Build,
    Catalog,
    CatalogFormatError,
    DriverMinimum,
    Release,
    Variant,
    catalog_from_dict,
    release_key,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

__all__ = [
    "CATALOG_ENV",
    "Build",
    "Catalog",
    "CatalogFormatError",
    "DriverMinimum",
    "Release",
    "Variant",
    "default_catalog_path",
    "load_catalog",
    "load_catalog_file",
    "release_key",
]

CATALOG_ENV = "TORCHENV_CATALOG"
"""Environment variable naming a refreshed catalog file to use instead of the shipped one."""


def default_catalog_path() -> str:
    # os.path, not pathlib: importing pathlib costs milliseconds on every resolve.
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "catalog.json")


def load_catalog_file(path: Union[str, os.PathLike[str]]) -> Catalog:
    """Load a catalog JSON file; raise :class:`torchenv.errors.InputError` naming it."""
    import json

    from torchenv.errors import InputError

    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
    except OSError as error:
        raise InputError(str(path), f"cannot read catalog: {error.strerror or error}") from None
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise InputError(str(path), f"not valid JSON: {error}", line) from None
    try:
        return catalog_from_dict(data, origin=str(path))
    except CatalogFormatError as error:
        raise InputError(str(path), str(error)) from None


@lru_cache(maxsize=4)
def _cached(path: str) -> Catalog:
    if path == default_catalog_path():
        from torchenv.catalog._shipped import CATALOG

        return catalog_from_dict(CATALOG, origin=path)
    return load_catalog_file(path)


def load_catalog(path: Optional[str] = None) -> Catalog:
    """The knowledge base (cached): ``path``, else ``$TORCHENV_CATALOG``, else the shipped one."""
    chosen = path or os.environ.get(CATALOG_ENV) or default_catalog_path()
    return _cached(chosen)
