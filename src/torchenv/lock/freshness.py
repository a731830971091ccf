"""Is a lock file still made from the current inputs? Answered offline, from a hash.

The hash covers everything that changes what ``torchenv lock`` would resolve: the
requirements, the groups locked, targets, Pythons, variants and both index URLs
(credentials stripped, so rotating a token does not make a lock stale).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Optional

from torchenv.urls import strip_credentials

__all__ = ["input_hash", "is_stale", "lock_input_hash"]


def input_hash(
    requirements: Sequence[str],
    targets: Sequence[str],
    pythons: Sequence[str],
    variant: str,
    default_index: str,
    pytorch_index: str,
    requires_python: Optional[str] = None,
) -> str:
    """A sha256 over a canonical JSON of the inputs for one variant's lock."""
    payload = {
        "requirements": sorted(requirements),
        "targets": sorted(targets),
        "python": sorted(pythons),
        "variant": variant,
        "index-url": strip_credentials(default_index).rstrip("/"),
        "pytorch-index-url": strip_credentials(pytorch_index).rstrip("/"),
        "requires-python": requires_python or "",
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def lock_input_hash(path: str) -> Optional[str]:
    """The ``[tool.torchenv] input-hash`` a lock file records, or None."""
    from torchenv.lock.pylock import read_lock_document

    document = read_lock_document(path)
    value = document.get("tool", {}).get("torchenv", {}).get("input-hash")
    return value if isinstance(value, str) else None


def is_stale(lock_path: str, expected_hash: str) -> bool:
    """True when the lock is missing its hash or was made from other inputs."""
    return lock_input_hash(lock_path) != expected_hash
