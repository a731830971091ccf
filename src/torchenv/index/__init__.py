"""Package-index access: page parsing (pure), the HTTP/file client, index URL config.

Importing this package is cheap: ``Link`` and ``ProjectPage`` are loaded from
:mod:`torchenv.index.models` on first use (PEP 562), so code that needs only
``torchenv.index.cache`` or ``torchenv.index.config`` (the lock manifest check) does
not pay for ``typing`` and ``urllib.parse``. The httpx-based client lives in
``torchenv.index.client`` and is imported only by code that fetches.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from torchenv.index.models import Link, ProjectPage

__all__ = ["Link", "ProjectPage"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from torchenv.index import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
