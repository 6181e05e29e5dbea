"""A JSON import file read value by value, so a million records never sit in memory at once.

The document's top level (an object of lists, or one list) is walked here; each record is
decoded by the standard library's C decoder straight from a buffer that holds at most one
chunk of the file plus the record being read. Every value keeps the line it starts on.

The decoder is strict where the standard one is lenient: an object with the same key twice,
``NaN`` and ``Infinity``, and numbers too long to convert are refused, as a problem of that
one record (reading goes on with the next). What cannot be read past (broken syntax, lists
nested deeper than Python can follow, a record longer than the limit) stops reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["JsonProblem", "JsonReader"]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 20  # characters read at a time
# An error this close to the end of the buffer may only mean the record goes on in the
# next chunk ("Expecting ',' delimiter" at the end, a cut "\\u12" escape or "tru" literal).
_NEAR_END = 24


class JsonProblem(Exception):
    """The document cannot be read past ``line``: ``reason`` says why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _NotJson(Exception):
    """``NaN``, ``Infinity`` or ``-Infinity``: Python reads them, JSON has no such thing."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise _NotJson(name)


class JsonReader:
    """Values of a JSON document, read from ``source`` (text, or a text stream read in
    chunks). ``record_limit``: the most characters one value may span."""

    def __init__(self, source: str | IO[str], *, record_limit: int, chunk: int = _CHUNK) -> None:
        if isinstance(source, str):
            self._stream: IO[str] | None = None
            self.buf = source
            self._eof = True
        else:
            self._stream = source
            self.buf = ""
            self._eof = False
        self._chunk = chunk
        self.record_limit = record_limit
        self.pos = 0
        # line counting: self._line is the line at self._line_pos in self.buf
        self._line_pos = 0
        self._line = 1
        self._dropped = False  # whether the buffer no longer starts at the file's start
        self._strict = json.JSONDecoder(
            object_pairs_hook=_unique_keys, parse_constant=_refuse_constant
        )
        # Finds where a refused value ends, so reading can go on after it.
        self._lenient = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)

    # --- the buffer ----------------------------------------------------------------------

    def line_at(self, pos: int) -> int:
        """The 1-based line of buffer position ``pos`` (at or after the last one asked)."""
        if pos < self._line_pos:
            raise ValueError("line_at: positions only move forward")
        self._line += self.buf.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def _more(self) -> bool:
        """Read the next chunk, dropping what lies before ``pos``; False at the end."""
        if self._eof or self._stream is None:
            return False
        chunk = self._stream.read(self._chunk)
        if not chunk:
            self._eof = True
            return False
        if self.pos:
            self._line = self.line_at(self.pos)
            self._line_pos = 0
            self._dropped = True
            self.buf = self.buf[self.pos :] + chunk
            self.pos = 0
        else:
            self.buf += chunk
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end); does not move."""
        while True:
            match = _WHITESPACE.match(self.buf, self.pos)
            self.pos = match.end() if match is not None else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise JsonProblem(self.line_at(self.pos), f"expected {what} but found {shown}")
        self.pos += 1

    def at_end(self) -> bool:
        return self.peek() == ""

    # --- values --------------------------------------------------------------------------

    def value(self) -> tuple[int, Any, str | None]:
        """``(line, value, None)``, or ``(line, None, why)`` for a value refused on its own
        (reading may go on after it). Raises :class:`JsonProblem` when reading cannot."""
        self.peek()
        line = self.line_at(self.pos)
        while True:
            try:
                value, end = self._strict.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._cut_short(exc, line):
                    continue
                raise self._syntax_error(line, exc) from None
            except RecursionError:
                raise JsonProblem(
                    line,
                    "lists and objects nest deeper than the file format allows (records hold "
                    "text, numbers or null; a ticket's events are one list of such objects)",
                ) from None
            except _DuplicateKey as exc:
                return (
                    line,
                    None,
                    self._skip_refused(
                        line, f"the key {exc.key!r} appears twice in one object; keep one"
                    ),
                )
            except _NotJson as exc:
                return (
                    line,
                    None,
                    self._skip_refused(
                        line, f"{exc} is not a JSON value; give a number, or null for none"
                    ),
                )
            except ValueError as exc:  # int(): "Exceeds the limit (4300 digits) …"
                return line, None, self._skip_refused(line, f"a number is too long: {exc}")
            # A number or literal at the end of the buffer may go on in the next chunk.
            if end >= len(self.buf) and not isinstance(value, dict | list | str) and self._more():
                continue
            self.pos = end
            return line, value, None

    def _syntax_error(self, line: int, exc: json.JSONDecodeError) -> JsonProblem:
        """The problem of the value that starts on ``line``, saying where in it the decoder
        stopped (the line, and the column when the line's start is still in the buffer)."""
        at = max(exc.pos, self.pos)
        where = self.line_at(at)
        line_start = self.buf.rfind("\n", 0, at) + 1
        known = line_start > 0 or not self._dropped
        column = f", column {at - line_start + 1}" if known else ""
        found = "" if (where == line and not known) else f" (line {where}{column})"
        return JsonProblem(line, f"not valid JSON: {exc.msg}{found}")

    def _cut_short(self, exc: json.JSONDecodeError, line: int) -> bool:
        """Whether ``exc`` only means the value goes on past the buffer; reads more if so."""
        if self._eof:
            return False
        unfinished = exc.pos >= len(self.buf) - _NEAR_END or exc.msg.startswith(
            "Unterminated string"
        )
        if not unfinished:
            return False
        if len(self.buf) - self.pos > self.record_limit:
            raise JsonProblem(
                line,
                f"a record is longer than {self.record_limit:,} characters, more than any "
                "record may hold; check the file, or split what it holds",
            )
        return self._more()

    def _skip_refused(self, line: int, reason: str) -> str:
        """Move past a value the strict decoder refused; returns ``reason``."""
        while True:
            try:
                _, end = self._lenient.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._cut_short(exc, line):
                    continue
                raise self._syntax_error(line, exc) from None
            except RecursionError:
                raise JsonProblem(line, "lists and objects nest too deep") from None
            self.pos = end
            return reason

    def items(self) -> Iterator[tuple[int, Any, str | None]]:
        """The values of the list that starts here, as :meth:`value` gives them."""
        self.expect("[", "a list '['")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]", "',' or ']' after a record")
            return
