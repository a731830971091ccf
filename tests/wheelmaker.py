"""Build small REAL wheels for tests (installable by pip and uv).

API::

    from wheelmaker import make_wheel
    path = make_wheel(tmp_path, "demo-pkg", "1.0", tag="py3-none-any",
                      requires=("numpy>=1.26",), requires_python=">=3.9",
                      build=None, extra_files={"demo_pkg/data.txt": b"x"})

The wheel holds ``<module>/__init__.py`` (``__version__ = "<version>"``), any
``extra_files``, and ``<name>-<version>.dist-info/{METADATA,WHEEL,RECORD}`` with
RECORD hashes in the urlsafe-base64 sha256 form that installers check. The file name
follows the wheel spec (name normalised with ``_``; ``+local`` kept as is; optional
build tag). Contents are deterministic (fixed timestamps), so the same arguments give
the same bytes and the same sha256.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Optional, Union

__all__ = ["make_wheel", "metadata_text", "wheel_filename"]

_EPOCH = (2024, 1, 1, 0, 0, 0)


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(
    name: str, version: str, tag: str = "py3-none-any", build: Optional[str] = None
) -> str:
    parts = [_dist_name(name), version]
    if build:
        parts.append(build)
    parts.append(tag)
    return "-".join(parts) + ".whl"


def metadata_text(
    name: str,
    version: str,
    requires: Iterable[str] = (),
    requires_python: Optional[str] = None,
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {requirement}" for requirement in requires)
    return "\n".join(lines) + "\n\n"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def make_wheel(
    dest_dir: Union[str, Path],
    name: str,
    version: str,
    tag: str = "py3-none-any",
    requires: Iterable[str] = (),
    requires_python: Optional[str] = None,
    build: Optional[str] = None,
    extra_files: Optional[Mapping[str, Union[bytes, str]]] = None,
) -> Path:
    """Write the wheel into ``dest_dir`` and return its path."""
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    module = _dist_name(name)
    dist_info = f"{module}-{version}.dist-info"
    root_is_purelib = tag.split("-")[-1] == "any"
    files: dict[str, bytes] = {
        f"{module}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    for path, content in (extra_files or {}).items():
        files[path] = content.encode() if isinstance(content, str) else content
    files[f"{dist_info}/METADATA"] = metadata_text(
        name, version, requires, requires_python
    ).encode()
    wheel_lines = [
        "Wheel-Version: 1.0",
        "Generator: torchenv-tests wheelmaker",
        f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}",
    ]
    if build:
        wheel_lines.append(f"Build: {build}")
    python, abi, platforms = tag.split("-")
    for py in python.split("."):
        for plat in platforms.split("."):
            wheel_lines.append(f"Tag: {py}-{abi}-{plat}")
    files[f"{dist_info}/WHEEL"] = ("\n".join(wheel_lines) + "\n").encode()
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    target = dest / wheel_filename(name, version, tag, build)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return target
