"""Import files as text: which encoding to read, and where a file stops being that encoding.

A file is read as UTF-8 (with or without a byte-order mark) or, when it starts with a
UTF-16 byte-order mark, as UTF-16: what spreadsheet programs write as "CSV UTF-8" and as
"Unicode text". Any other encoding must be named (``--encoding cp1252``); without that, the
first byte that is not UTF-8 is reported with its line and column, so the person can see
what the file holds and which encoding to name.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from desktop_app.domain import ValidationError

__all__ = [
    "BadBytes",
    "check_encoding",
    "describe_bad_bytes",
    "locate_bad_bytes",
    "open_text",
    "pick_encoding",
    "utf16_without_bom",
]

SNIFF_BYTES = 4096  # what is read ahead to choose the encoding
_CHUNK = 1 << 20


def check_encoding(name: str) -> str:
    """The codec's own name for ``name``; a :class:`ValidationError` for an unknown name or
    a codec that does not turn bytes into text (``base64``, ``rot13`` …)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValidationError(
            f"unknown encoding {name!r}; use a name like cp1252 (Windows, Western Europe), "
            "latin-1, utf-16 or utf-8",
            field="encoding",
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValidationError(
            f"{name!r} is not a text encoding; use a name like cp1252, latin-1 or utf-16",
            field="encoding",
        )
    return info.name


def pick_encoding(head: bytes, given: str | None = None) -> str:
    """The encoding to read a file that starts with ``head`` in: ``given`` (checked), else
    UTF-8, or UTF-16 when the file starts with its byte-order mark. A UTF-8 byte-order mark
    is dropped either way."""
    if given is not None:
        name = check_encoding(given)
        if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return name
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the mark and the byte order from it
    return "utf-8"


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head`` looks like UTF-16 text without a
    byte-order mark (every other byte zero, as Latin letters are), else ``None``. Such a
    file is valid UTF-8 full of NUL characters, so it would otherwise be read as garbage."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even_zeros = head[0 : pairs * 2 : 2].count(0)
    odd_zeros = head[1 : pairs * 2 : 2].count(0)
    if odd_zeros >= pairs * 0.4 and even_zeros <= pairs * 0.05:
        return "utf-16-le"
    if even_zeros >= pairs * 0.4 and odd_zeros <= pairs * 0.05:
        return "utf-16-be"
    return None


def open_text(path: Path, encoding: str) -> IO[str]:
    """``path`` opened for reading as text in ``encoding``, line ends kept as they are (the
    CSV reader handles them), strict decoding."""
    return path.open(encoding=encoding, errors="strict", newline="")


@dataclass(frozen=True, slots=True)
class BadBytes:
    """Where a file stops being text in its encoding: 1-based line and column (in
    characters), the byte offset and the offending bytes."""

    line: int
    column: int
    offset: int
    data: bytes


def locate_bad_bytes(path: Path, encoding: str) -> BadBytes | None:
    """The first bytes of ``path`` that are not ``encoding``, or ``None`` if it all decodes.

    Runs only after reading failed, so reading stays at the codec's full speed; this pass
    decodes the file again in chunks, counting lines as the CSV reader does (``\\r\\n``,
    ``\\r`` and ``\\n`` each end one)."""
    line, column, offset = 1, 1, 0
    after_cr = False
    with path.open("rb") as stream:
        if encoding == "utf-8-sig":
            # The mark is skipped here: the codec's own skipping shifts its error offsets.
            encoding = "utf-8"
            if stream.read(3) == codecs.BOM_UTF8:
                offset = 3
            else:
                stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        while True:
            chunk = stream.read(_CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                pending = len(exc.object) - len(chunk)  # bytes the decoder held back
                good = max(0, exc.start - pending)
                text = decoder.decode(chunk[:good]) if good else ""
                line, column, after_cr = _advance(text, line, column, after_cr)
                return BadBytes(
                    line=line,
                    column=column,
                    offset=offset - pending + exc.start,
                    data=bytes(exc.object[exc.start : max(exc.end, exc.start + 1)]),
                )
            line, column, after_cr = _advance(text, line, column, after_cr)
            offset += len(chunk)
            if final:
                return None


def _advance(text: str, line: int, column: int, after_cr: bool) -> tuple[int, int, bool]:
    """Line and column after ``text``; ``after_cr``: the text before ended with ``\\r``."""
    if not text:
        return line, column, after_cr
    if after_cr and text[0] == "\n":
        text = text[1:]
    ends_cr = text.endswith("\r")
    flat = text.replace("\r\n", "\n").replace("\r", "\n")
    breaks = flat.count("\n")
    if breaks:
        return line + breaks, len(flat) - flat.rfind("\n"), ends_cr
    return line, column + len(flat), ends_cr


def describe_bad_bytes(bad: BadBytes, encoding: str) -> str:
    """What is wrong at ``bad`` and what to do, for a file read as ``encoding``."""
    shown = " ".join(f"0x{b:02X}" for b in bad.data[:4])
    noun = "byte" if len(bad.data) == 1 else "bytes"
    if encoding in ("utf-8", "utf-8-sig"):
        return (
            f"{noun} {shown} is not UTF-8, so the file is in another encoding; save it as "
            'UTF-8 (a spreadsheet\'s "CSV UTF-8"), or name its encoding, e.g. '
            "--encoding cp1252 (Windows, Western Europe) or --encoding latin-1"
        )
    return (
        f"{noun} {shown} cannot be read as {encoding}; check which encoding the file is in "
        "and give it with --encoding, or save the file as UTF-8"
    )
