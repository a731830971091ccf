"""Build, render, read and write PEP 751 ``pylock.<variant>.toml`` files.

Every file is checked with ``packaging.pylock.Pylock.from_dict(...).validate()`` before
it is written. Rendering is deterministic: packages sorted by (name, version, marker),
wheels by name, keys written by ``tomli_w`` in a fixed order.

A lock whose new text is byte-for-byte the file already on disk is neither written nor
validated again (:func:`write_lock_if_changed`): the file then already holds exactly
the document, and validation is a function of that text. Validating it costs ~20 ms
(importing ``packaging.pylock`` with ``dataclasses`` and ``inspect``, then building its
objects), the largest part of an up-to-date ``torchenv lock`` outside resolution.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

from packaging.markers import Marker

from torchenv.errors import InputError, ResolutionError
from torchenv.index.models import Link
from torchenv.resolve.resolver import ResolvedTarget
from torchenv.targets import Target, marker_environment
from torchenv.urls import strip_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.pylock import Pylock

__all__ = [
    "build_lock",
    "lock_filename",
    "read_lock",
    "read_lock_document",
    "read_lock_with_document",
    "render_lock",
    "target_marker",
    "validate_lock",
    "write_lock",
    "write_lock_if_changed",
]

_MARKER_KEYS = ("sys_platform", "platform_machine")


def lock_filename(variant: str) -> str:
    return f"pylock.{variant}.toml"


def target_marker(target: Target, python: Optional[str] = None) -> str:
    """``sys_platform == 'linux' and platform_machine == 'x86_64'`` (+ python_version)."""
    environment = marker_environment(target, python or "3.11")
    parts = [f"{key} == '{environment[key]}'" for key in _MARKER_KEYS]
    if python is not None:
        parts.append(f"python_version == '{environment['python_version']}'")
    return " and ".join(parts)


def _upload_time(text: Optional[str]) -> Optional[datetime]:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None  # never invent a time the index did not state clearly
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _wheel(link: Link) -> dict[str, Any]:
    sha = link.sha256
    if not sha:
        raise ResolutionError(
            f"{link.filename}: the index publishes no sha256 for this file; rerun with "
            "--compute-missing-hashes to download it and compute one"
        )
    wheel: dict[str, Any] = {"name": link.filename, "url": strip_credentials(link.url)}
    upload = _upload_time(link.upload_time)
    if upload is not None:
        wheel["upload-time"] = upload
    if link.size is not None:
        wheel["size"] = link.size
    wheel["hashes"] = {"sha256": sha}
    return wheel


def _with_hash(link: Link, hashes: Optional[Mapping[str, str]]) -> Link:
    if link.sha256 or not hashes or link.url not in hashes:
        return link
    return Link(
        link.filename,
        link.url,
        {"sha256": hashes[link.url]},
        link.requires_python,
        link.yanked,
        link.metadata_hashes,
        link.size,
        link.upload_time,
    )


def build_lock(
    results: Sequence[ResolvedTarget],
    requires_python: str,
    tool: Mapping[str, Any],
    hashes: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    """The PEP 751 document (as a dict) for several resolved targets of one variant.

    Not validated here: :func:`write_lock` and :func:`write_lock_if_changed` validate
    what they write, :func:`validate_lock` anything else.

    A package that resolves to the same version for every target has no marker;
    otherwise each version gets a marker OR-ing the targets that chose it, so the
    markers of one name are mutually exclusive. Each entry lists the wheels its
    targets chose; installers pick among them by tag. ``hashes`` supplies sha256 values
    computed for files whose index gave none.
    """
    pythons = sorted({r.python for r in results})
    multi_python = len(pythons) > 1
    environments = sorted(
        {target_marker(r.target, r.python if multi_python else None) for r in results}
    )
    # (name, version) -> markers of the targets that chose it. Targets choosing the same
    # version share one entry listing every chosen wheel (installers pick by tag).
    chosen: dict[tuple[str, str], list[str]] = {}
    files: dict[tuple[str, str], dict[str, Link]] = {}
    index: dict[tuple[str, str], str] = {}
    deps: dict[tuple[str, str], set[str]] = {}
    for result in results:
        marker = target_marker(result.target, result.python if multi_python else None)
        children: dict[str, set[str]] = {}
        for parent, child in result.edges:
            children.setdefault(parent, set()).add(child)
        for candidate in result.packages:
            assert candidate.link is not None
            key = (str(candidate.name), str(candidate.version))
            chosen.setdefault(key, []).append(marker)
            files.setdefault(key, {})[candidate.link.filename] = candidate.link
            index[key] = candidate.index_url
            deps.setdefault(key, set()).update(children.get(candidate.name, set()))
    packages = []
    for key in sorted(chosen):
        markers = sorted(set(chosen[key]))
        package: dict[str, Any] = {"name": key[0], "version": key[1]}
        if markers != environments:
            package["marker"] = (
                " or ".join(f"({m})" for m in markers) if len(markers) > 1 else markers[0]
            )
        package["index"] = strip_credentials(index[key])
        if deps[key]:
            package["dependencies"] = [{"name": d} for d in sorted(deps[key])]
        package["wheels"] = [
            _wheel(_with_hash(files[key][name], hashes)) for name in sorted(files[key])
        ]
        packages.append(package)
    document: dict[str, Any] = {
        "lock-version": "1.0",
        "environments": environments,
        "requires-python": requires_python,
        "created-by": "torchenv",
        "packages": packages,
        "tool": {"torchenv": dict(tool)},
    }
    return document


def validate_lock(document: Mapping[str, Any], where: str = "<generated lock>") -> None:
    """Raise :class:`InputError` naming ``where`` unless ``document`` is a valid PEP 751 lock."""
    _validate(document, where)


def _validate(document: Mapping[str, Any], where: str) -> Pylock:
    from packaging.pylock import Pylock, PylockValidationError

    try:
        pylock = Pylock.from_dict(document)
        pylock.validate()
    except PylockValidationError as error:
        raise InputError(where, f"not a valid PEP 751 lock: {error}") from None
    for text in document.get("environments", []):
        Marker(text)
    return pylock


def render_lock(document: Mapping[str, Any], command: str) -> str:
    """TOML text with a header naming the command that made it."""
    import tomli_w

    header = (
        "# This file was generated by torchenv; do not edit it by hand.\n"
        f"# command: {strip_credentials(command)}\n"
    )
    return header + tomli_w.dumps(dict(document))


def write_lock(path: str, document: Mapping[str, Any], command: str) -> None:
    """Validate and write atomically."""
    from torchenv._atomic import write_text_atomic

    _validate(document, path)
    write_text_atomic(path, render_lock(document, command))


def write_lock_if_changed(
    path: Union[str, os.PathLike[str]], document: Mapping[str, Any], text: str
) -> bool:
    """Validate and atomically write ``text`` (``document`` rendered) unless the file
    already holds exactly that text; True when the file was written.

    An identical file is left alone, modification time included: its content is the
    document, already validated when it was written.
    """
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read(len(data) + 1) == data:
                return False
    except OSError:
        pass  # missing or unreadable: write it
    # Imported here: tempfile (and random, shutil) only when a file is written.
    from torchenv._atomic import write_text_atomic

    _validate(document, str(path))
    write_text_atomic(path, text)
    return True


def _load(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(path, f"not valid TOML: {error}") from None
    return data


def read_lock(path: str) -> Pylock:
    """Read and validate a PEP 751 file; raise :class:`InputError` naming it."""
    return read_lock_with_document(path)[0]


def read_lock_document(path: str) -> dict[str, Any]:
    """The raw document (keeps ``[tool.torchenv]`` as written)."""
    return read_lock_with_document(path)[1]


def read_lock_with_document(path: str) -> tuple[Pylock, dict[str, Any]]:
    """The validated lock and the raw document it came from, read and parsed once."""
    data = _load(path)
    return _validate(data, path), data
