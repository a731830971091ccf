"""Read one member of a remote wheel from byte ranges: pure zip structure parsing.

A wheel's METADATA is a few kilobytes inside an archive that may be gigabytes (torch
CUDA wheels). The zip format lets a client read only: the end-of-central-directory
record at the tail, the central directory it points to, and one member's local header
and compressed bytes. This module turns those byte strings into offsets and the
inflated member; the client does the HTTP range requests.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional

from packaging.utils import canonicalize_name

__all__ = [
    "LOCAL_HEADER_SIZE",
    "CentralDirectory",
    "WheelZipError",
    "ZipMember",
    "extract_member",
    "find_central_directory",
    "find_metadata_member",
    "find_metadata_name",
    "local_data_offset",
    "parse_central_directory",
    "read_member_with_ranges",
    "TAIL_BYTES",
]

TAIL_BYTES = 64 * 1024
"""How much of a wheel's tail the first (suffix) range request asks for: the central
directory of most wheels fits, so one request usually finds METADATA's offset."""

# Fetch bytes [start, end) of the archive; the caller does the HTTP.
RangeFetch = Callable[[int, int], bytes]

_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_EOCD64_SIGNATURE = b"PK\x06\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_EOCD_SIZE = 22
_EOCD64_LOCATOR_SIZE = 20
_CENTRAL_SIZE = 46
LOCAL_HEADER_SIZE = 30
_ZIP64_EXTRA_ID = 0x0001
_STORED = 0
_DEFLATED = 8


class WheelZipError(ValueError):
    """The bytes are not the zip structure we expected (the caller names the file)."""


@dataclass(frozen=True)
class CentralDirectory:
    """Where the central directory lives in the archive."""

    offset: int
    size: int
    entries: int


@dataclass(frozen=True)
class ZipMember:
    name: str
    compress_type: int
    compressed_size: int
    uncompressed_size: int
    crc32: int
    header_offset: int


def find_central_directory(tail: bytes, file_size: int) -> CentralDirectory:
    """Locate the central directory from the archive's last ``len(tail)`` bytes.

    Handles ZIP64 archives (the locator sits just before the classic record). The
    end record may be followed by a comment of up to 64 KiB, so it is searched for
    from the end.
    """
    tail_start = file_size - len(tail)
    position = tail.rfind(_EOCD_SIGNATURE, 0, max(0, len(tail) - _EOCD_SIZE + 4))
    if position < 0:
        raise WheelZipError("no zip end-of-central-directory record in the file's tail")
    (_, _, _, _, entries, cd_size, cd_offset, _) = struct.unpack(
        "<4sHHHHIIH", tail[position : position + _EOCD_SIZE]
    )
    locator_at = position - _EOCD64_LOCATOR_SIZE
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == _EOCD64_LOCATOR_SIGNATURE:
        (_, _, eocd64_offset, _) = struct.unpack(
            "<4sIQI", tail[locator_at : locator_at + _EOCD64_LOCATOR_SIZE]
        )
        relative = eocd64_offset - tail_start
        if relative < 0 or tail[relative : relative + 4] != _EOCD64_SIGNATURE:
            raise WheelZipError("ZIP64 end record lies outside the fetched tail")
        (_, _, _, _, _, _, _, entries, cd_size, cd_offset) = struct.unpack(
            "<4sQHHIIQQQQ", tail[relative : relative + 56]
        )
    if cd_offset + cd_size > file_size:
        raise WheelZipError("central directory points past the end of the file")
    return CentralDirectory(offset=cd_offset, size=cd_size, entries=entries)


def _zip64_values(extra: bytes, needed: Sequence[bool]) -> list[Optional[int]]:
    """Values from the ZIP64 extra field for the fields stored as 0xFFFFFFFF."""
    values: list[Optional[int]] = [None] * len(needed)
    position = 0
    while position + 4 <= len(extra):
        header_id, length = struct.unpack("<HH", extra[position : position + 4])
        body = extra[position + 4 : position + 4 + length]
        if header_id == _ZIP64_EXTRA_ID:
            cursor = 0
            for index, is_needed in enumerate(needed):
                if is_needed and cursor + 8 <= len(body):
                    values[index] = struct.unpack("<Q", body[cursor : cursor + 8])[0]
                    cursor += 8
            break
        position += 4 + length
    return values


def parse_central_directory(data: bytes) -> list[ZipMember]:
    """Every member listed in a central directory's bytes."""
    members: list[ZipMember] = []
    position = 0
    while position + _CENTRAL_SIZE <= len(data):
        if data[position : position + 4] != _CENTRAL_SIGNATURE:
            break
        fields = struct.unpack("<4sHHHHHHIIIHHHHHII", data[position : position + _CENTRAL_SIZE])
        flags, method, crc = fields[3], fields[4], fields[7]
        compressed, uncompressed = fields[8], fields[9]
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        offset = fields[16]
        start = position + _CENTRAL_SIZE
        raw_name = data[start : start + name_len]
        extra = data[start + name_len : start + name_len + extra_len]
        # Bit 11: the name is UTF-8; otherwise the zip spec says cp437.
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        big = 0xFFFFFFFF
        sizes = _zip64_values(extra, (uncompressed == big, compressed == big, offset == big))
        members.append(
            ZipMember(
                name=name,
                compress_type=method,
                compressed_size=sizes[1] if sizes[1] is not None else compressed,
                uncompressed_size=sizes[0] if sizes[0] is not None else uncompressed,
                crc32=crc,
                header_offset=sizes[2] if sizes[2] is not None else offset,
            )
        )
        position = start + name_len + extra_len + comment_len
    if not members:
        raise WheelZipError("empty or unreadable zip central directory")
    return members


def find_metadata_name(names: Sequence[str], wheel_filename: str) -> str:
    """The ``<name>-<version>.dist-info/METADATA`` entry among a wheel's member names.

    Prefers the top-level ``.dist-info`` directory whose name matches the wheel's
    project; a wheel with exactly one top-level ``.dist-info`` is accepted as is.
    """
    candidates = [
        name
        for name in names
        if name.count("/") == 1
        and name.endswith("/METADATA")
        and name.split("/", 1)[0].endswith(".dist-info")
    ]
    project = canonicalize_name(wheel_filename.split("-", 1)[0])
    for name in candidates:
        directory = name.split("/", 1)[0][: -len(".dist-info")]
        if canonicalize_name(directory.rsplit("-", 1)[0]) == project:
            return name
    if len(candidates) == 1:
        return candidates[0]
    raise WheelZipError("no .dist-info/METADATA member in the wheel")


def find_metadata_member(members: Sequence[ZipMember], wheel_filename: str) -> ZipMember:
    """The METADATA member of a wheel's central directory (see find_metadata_name)."""
    wanted = find_metadata_name([m.name for m in members], wheel_filename)
    return next(m for m in members if m.name == wanted)


def local_data_offset(local_header: bytes, member: ZipMember) -> int:
    """Offset of the member's compressed data, from the start of its local header."""
    if len(local_header) < LOCAL_HEADER_SIZE or local_header[:4] != _LOCAL_SIGNATURE:
        raise WheelZipError(f"bad local header for {member.name}")
    name_len, extra_len = struct.unpack("<HH", local_header[26:30])
    return LOCAL_HEADER_SIZE + int(name_len) + int(extra_len)


def extract_member(member: ZipMember, compressed: bytes) -> bytes:
    """Inflate a member's compressed bytes and check its CRC-32."""
    if len(compressed) < member.compressed_size:
        raise WheelZipError(f"{member.name}: short read of compressed data")
    raw = compressed[: member.compressed_size]
    if member.compress_type == _STORED:
        data = raw
    elif member.compress_type == _DEFLATED:
        try:
            data = zlib.decompressobj(-15).decompress(raw)
        except zlib.error as exc:
            raise WheelZipError(f"{member.name}: cannot inflate ({exc})") from None
    else:
        raise WheelZipError(f"{member.name}: unsupported compression {member.compress_type}")
    if zlib.crc32(data) & 0xFFFFFFFF != member.crc32:
        raise WheelZipError(f"{member.name}: CRC-32 mismatch")
    return data


def read_member_with_ranges(
    tail: bytes, file_size: int, fetch: RangeFetch, wheel_filename: str
) -> bytes:
    """METADATA of a wheel given its tail bytes and a way to fetch other ranges.

    At most three more requests: the part of the central directory not in the tail,
    the member's local header plus data, and the rest of the data if the local header
    had a longer extra field than expected.
    """
    tail_start = file_size - len(tail)
    directory = find_central_directory(tail, file_size)
    if directory.offset >= tail_start:
        relative = directory.offset - tail_start
        cd_bytes = tail[relative : relative + directory.size]
    else:
        missing = fetch(directory.offset, tail_start)
        cd_bytes = (missing + tail)[: directory.size]
    member = find_metadata_member(parse_central_directory(cd_bytes), wheel_filename)
    # Guess the local header's size from the central entry; a bigger extra field
    # costs one more request.
    guess = LOCAL_HEADER_SIZE + len(member.name.encode("utf-8")) + 256 + member.compressed_size
    end = min(file_size, member.header_offset + guess)
    chunk = fetch(member.header_offset, end)
    data_offset = local_data_offset(chunk, member)
    needed = data_offset + member.compressed_size
    if len(chunk) < needed:
        chunk += fetch(member.header_offset + len(chunk), member.header_offset + needed)
    return extract_member(member, chunk[data_offset:needed])
