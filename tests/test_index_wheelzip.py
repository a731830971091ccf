"""Reading METADATA from byte ranges of a real zip, as the client does over HTTP."""

from __future__ import annotations

import io
import zipfile

import pytest

from torchenv.index.wheelzip import WheelZipError, read_member_with_ranges


def _wheel(members: int, zip64: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for index in range(members):
            archive.writestr(f"pkg/m{index}.py", "x = 1\n" * 40)
        info = zipfile.ZipInfo("demo-1.0.dist-info/METADATA")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=zip64) as handle:
            handle.write(b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        archive.writestr("demo-1.0.dist-info/RECORD", "")
    return buffer.getvalue()


@pytest.mark.parametrize(("tail_size", "zip64"), [(65536, False), (2048, False), (65536, True)])
def test_metadata_from_ranges(tail_size: int, zip64: bool) -> None:
    data = _wheel(2000, zip64)
    calls: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        calls.append((start, end))
        return data[start:end]

    tail = data[-tail_size:]
    metadata = read_member_with_ranges(tail, len(data), fetch, "demo-1.0-py3-none-any.whl")
    assert metadata == b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    assert sum(end - start for start, end in calls) + tail_size < len(data)


def test_not_a_zip() -> None:
    with pytest.raises(WheelZipError, match="end-of-central-directory"):
        read_member_with_ranges(b"\0" * 100, 100, lambda a, b: b"", "demo-1.0-py3-none-any.whl")
