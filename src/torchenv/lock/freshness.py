"""Is a lock file still made from the current inputs? Answered offline, from a hash.

The hash covers everything that changes what ``torchenv lock`` would resolve: the
requirements, the groups locked, targets, Pythons, variants and both index URLs
(credentials stripped, so rotating a token does not make a lock stale).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from torchenv._record import Record
from torchenv.urls import strip_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional

__all__ = ["LockStatus", "input_hash", "is_stale", "lock_input_hash", "stale_locks"]


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


class LockStatus(Record):
    """One expected ``pylock.<variant>.toml`` and why it is not fresh."""

    path: str
    variant: str
    state: str  # "missing" or "stale"


def stale_locks(
    project_dir: str,
    output_dir: Optional[str] = None,
    index_url: Optional[str] = None,
    groups: Sequence[str] = (),
) -> list[LockStatus]:
    """The lock files of a project that are missing or made from other inputs (offline).

    Settings are merged exactly as ``torchenv lock`` merges them (no flags given), so
    an empty list means ``torchenv lock --check`` would exit 0. Reads only the project
    file, the packaged catalog and the lock files; never the network.
    """
    from torchenv.lock.engine import build_request, plan_lock
    from torchenv.lock.project import load_project

    project = load_project(project_dir)
    plan = plan_lock(build_request(project, groups, index_url=index_url))
    folder = Path(output_dir) if output_dir else Path(project.path).parent
    result = []
    for variant in plan.variant_targets:
        path = folder / f"pylock.{variant}.toml"
        if not path.exists():
            result.append(LockStatus(str(path), variant, "missing"))
        elif is_stale(str(path), plan.hash_for(variant)):
            result.append(LockStatus(str(path), variant, "stale"))
    return result
