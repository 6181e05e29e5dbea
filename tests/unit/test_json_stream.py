"""The JSON import reader: values read from chunks are the values of the whole text."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.interchange.json_stream import JsonProblem, JsonReader

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
RECORDS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(SCALARS, st.lists(st.dictionaries(st.text(max_size=5), SCALARS), max_size=3)),
    max_size=6,
)


def _items(text: str, chunk: int) -> list[tuple[int, object, str | None]]:
    return list(JsonReader(io.StringIO(text), record_limit=10**6, chunk=chunk).items())


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORDS, max_size=8), st.integers(min_value=1, max_value=40), st.booleans())
def test_chunks_of_any_size_give_the_whole_texts_values_and_lines(
    records: list[dict[str, object]], chunk: int, pretty: bool
) -> None:
    text = json.dumps(records, indent=1 if pretty else None, ensure_ascii=False)
    whole = list(JsonReader(text, record_limit=10**6).items())
    assert [value for _, value, _ in whole] == records
    assert _items(text, chunk) == whole
    if pretty:  # each record starts on a line of its own, indented by one space
        lines = text.split("\n")
        starts = [
            number for number, line in enumerate(lines, 1) if line.rstrip(",") in (" {", " {}")
        ]
        assert [line for line, _, _ in whole] == starts


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_a_refused_value_is_skipped_and_reading_goes_on(chunk: int) -> None:
    text = '[{"a": 1, "a": 2},\n {"n": NaN},\n {"big": ' + "9" * 5000 + "},\n" + ' {"ok": 1}]'
    items = _items(text, chunk)
    assert [(line, why) for line, _, why in items] == [
        (1, "the key 'a' appears twice in one object; keep one"),
        (2, "NaN is not a JSON value; give a number, or null for none"),
        (3, items[2][2]),
        (4, None),
    ]
    assert items[2][2] is not None and items[2][2].startswith("a number is too long")
    assert items[3][1] == {"ok": 1}


@pytest.mark.parametrize("chunk", [1, 4, 1 << 20])
def test_broken_json_stops_with_the_line_of_the_value(chunk: int) -> None:
    text = '[\n {"a": 1},\n {"b":\n 2 "c": 3}\n]'
    reader = JsonReader(io.StringIO(text), record_limit=10**6, chunk=chunk)
    items = reader.items()
    assert next(items)[1] == {"a": 1}
    with pytest.raises(JsonProblem) as problem:
        next(items)
    assert problem.value.line == 3
    assert problem.value.reason.startswith("not valid JSON: Expecting ',' delimiter (line 4")


def test_a_record_longer_than_the_limit_stops_reading() -> None:
    text = '[{"a": "' + "x" * 5000 + '"}]'
    with pytest.raises(JsonProblem, match="a record is longer than 1,000 characters"):
        list(JsonReader(io.StringIO(text), record_limit=1_000, chunk=100).items())
