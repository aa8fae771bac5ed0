"""Byte-level checks of a landing file (encoding, line length), streamed so a large file never sits in memory.

DuckDB's `encodings` extension cannot be downloaded here, so Windows-1252 is decoded in Python
(C codecs, a megabyte at a time); UTF-8 files are only validated, then DuckDB reads them as they are.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ingestion.rejection import ContractViolation

CHUNK = 1 << 20
# No record of any feed comes near this. A longer line is corruption or a hostile file: the text
# readers would hold it whole in memory, and DuckDB's CSV reader skips a line of some 30 MB without
# reporting it (tested), so such a file is refused before it is parsed.
MAX_LINE_BYTES = 8 << 20


def _decode(src: Path, encoding: str, out=None) -> None:
    """Decode `src` chunk by chunk, raising `encoding` at the first undecodable byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    lines_before = 0
    with src.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as err:
                _refuse(encoding, err, offset - (len(err.object) - len(chunk)), lines_before)
            if out is not None:
                out.write(text)
            offset += len(chunk)
            lines_before += chunk.count(b"\n")
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ContractViolation(
                "encoding",
                f"the file ends inside a multi-byte character (byte offset {offset}): it is not valid "
                f"{_NAMES[encoding]} or was cut short",
                examples=[{"line": lines_before + 1}],
            ) from None
        if out is not None:
            out.write(tail)


_NAMES = {"cp1252": "Windows-1252", "utf-8": "UTF-8"}


def _refuse(encoding: str, err: UnicodeDecodeError, offset: int, lines_before: int):
    """`err.object` is the decoder's buffer: this chunk, after any bytes held over from the last one."""
    line = lines_before + err.object[: err.start].count(b"\n") + 1
    raise ContractViolation(
        "encoding",
        f"byte 0x{err.object[err.start]:02X} at byte offset {offset + err.start} (line {line}) is not valid "
        f"{_NAMES[encoding]}; the file was not written in the contract's encoding",
        examples=[{"line": line}],
    ) from None


def is_ascii(path: Path) -> bool:
    """True when every byte is ASCII: the file then reads the same in Windows-1252 and UTF-8."""
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            if not chunk.isascii():
                return False
    return True


def decode_windows_1252(src: Path, dst: Path) -> None:
    """Write `src` decoded from Windows-1252 to `dst` as UTF-8, refusing bytes 1252 leaves undefined."""
    with dst.open("w", encoding="utf-8", newline="") as out:
        _decode(src, "cp1252", out)


def check_utf8(path: Path) -> None:
    """Refuse a file that is not valid UTF-8 (a BOM is allowed: it is valid UTF-8)."""
    if not is_ascii(path):
        _decode(path, "utf-8")


def check_line_length(path: Path) -> None:
    """Refuse a file with a line longer than MAX_LINE_BYTES (`line_too_long`).

    Lines that start and end within one chunk are shorter than a chunk, so only the bytes since the
    last line break, carried from chunk to chunk, need counting.
    """
    run = 0  # bytes of the current line read so far
    lines_before = 0
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            first = chunk.find(b"\n")
            if first == -1:
                run += len(chunk)
            else:
                if run + first > MAX_LINE_BYTES:
                    break
                lines_before += chunk.count(b"\n")
                run = len(chunk) - chunk.rfind(b"\n") - 1
            if run > MAX_LINE_BYTES:
                break
        else:
            return
    raise ContractViolation(
        "line_too_long",
        f"line {lines_before + 1} is longer than {MAX_LINE_BYTES >> 20} MB: no record of this feed is "
        "that long; the file is corrupt or not an extract of this feed",
        examples=[{"line": lines_before + 1}],
    )
