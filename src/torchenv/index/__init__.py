"""Package-index access: page parsing (pure), the HTTP/file client, index URL config.

Importing this package is cheap; the httpx-based client lives in
``torchenv.index.client`` and is imported only by code that fetches.
"""

from __future__ import annotations

from torchenv.index.models import Link, ProjectPage

__all__ = ["Link", "ProjectPage"]
