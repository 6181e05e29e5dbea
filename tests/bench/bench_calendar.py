"""Benchmark: SLA deadlines per second, against businesstimedelta and pandas in the same run.

100,000 tickets created at random instants over 60 days; Mon–Fri 08:00–17:00
America/Toronto with Ontario public holidays; targets 1 h / 4 h / 8 h / 24 h.

Run: ``make bench`` or
``.venv/bin/python -m pytest tests/bench/bench_calendar.py -s -o addopts=""``
(the peers come from the ``bench`` extra: ``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import datetime as dt
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.sla import BusinessCalendar, public_holidays

N = 100_000
PEER_N = 5_000  # the peers are ~100x slower; a sample keeps the run short
ZONE = "America/Toronto"
HOURS = {d: [("08:00", "17:00")] for d in range(5)}
TARGETS = [timedelta(hours=h) for h in (1, 4, 8, 24)]


def _workload(n: int, seed: int = 42) -> tuple[list[datetime], list[timedelta]]:
    rng = random.Random(seed)
    origin = datetime(2026, 9, 1, tzinfo=UTC)
    starts = [origin + timedelta(seconds=rng.randrange(60 * 86_400)) for _ in range(n)]
    targets = [rng.choice(TARGETS) for _ in range(n)]
    return starts, targets


def _rate(label: str, count: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    rate = count / best
    print(f"  {label:<58} {rate:>12,.0f} /s   ({best * 1e3:8.1f} ms for {count:,})")
    return rate


def test_deadlines_per_second() -> None:
    years = range(2025, 2028)
    holidays = public_holidays("CA", "ON", years)
    cal = BusinessCalendar(ZONE, HOURS, holidays)
    starts, targets = _workload(N)
    stamps = [s.timestamp() for s in starts]
    seconds = [t.total_seconds() for t in targets]
    cal.add_business_time(starts[0], targets[0])  # build the interval table once

    print(f"\nSLA deadlines, {N:,} tickets over 60 days, {ZONE} office hours + ON holidays")
    print(
        f"  machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.node()}"
    )

    add = cal.add_business_time
    ours_dt = _rate(
        "BusinessCalendar.add_business_time (datetime in/out)",
        N,
        lambda: [add(s, t) for s, t in zip(starts, targets, strict=True)],
    )
    add_s = cal.add_seconds
    ours_ts = _rate(
        "BusinessCalendar.add_seconds (epoch seconds)",
        N,
        lambda: [add_s(s, t) for s, t in zip(stamps, seconds, strict=True)],
    )
    ours_many = _rate(
        "BusinessCalendar.add_seconds_many (batch)",
        N,
        lambda: cal.add_seconds_many(stamps, seconds),
    )

    # correctness of the fast path on the whole workload, not just speed
    exact = [add(s, t).timestamp() for s, t in zip(starts, targets, strict=True)]
    fast = cal.add_seconds_many(stamps, seconds)
    assert max(abs(a - b) for a, b in zip(exact, fast, strict=True)) < 2e-6

    # remaining time for one ticket: business seconds from now to its deadline
    now = stamps[0]
    dues = fast
    between = cal.seconds_between
    began = time.perf_counter()
    for due in dues:
        between(now, due)
    per_remaining = (time.perf_counter() - began) / len(dues) * 1e6
    print(f"  remaining time for one ticket (seconds_between): {per_remaining:.2f} µs")

    peers: dict[str, float] = {}
    try:
        import businesstimedelta
        import holidays as holidays_package
        import pytz

        tz = pytz.timezone(ZONE)
        rules = businesstimedelta.Rules(
            [
                businesstimedelta.WorkDayRule(
                    start_time=dt.time(8),
                    end_time=dt.time(17),
                    working_days=[0, 1, 2, 3, 4],
                    tz=tz,
                ),
                # a plain list of dates crashes past its last entry; the holidays object grows
                businesstimedelta.HolidayRule(
                    holidays_package.country_holidays("CA", subdiv="ON"), tz=tz
                ),
            ]
        )
        deltas = {
            t: businesstimedelta.BusinessTimeDelta(rules, hours=int(t.total_seconds() // 3600))
            for t in TARGETS
        }
        local_starts = [s.astimezone(tz) for s in starts[:PEER_N]]
        peers["businesstimedelta"] = _rate(
            "businesstimedelta (baseline)",
            PEER_N,
            lambda: [s + deltas[t] for s, t in zip(local_starts, targets, strict=False)],
        )
    except ImportError as exc:  # pragma: no cover - the bench extra is missing
        print(f"  businesstimedelta not installed ({exc}); pip install -e '.[bench]'")

    try:
        import pandas as pd

        offsets = {
            t: pd.offsets.CustomBusinessHour(
                n=int(t.total_seconds() // 3600), start="08:00", end="17:00", holidays=holidays
            )
            for t in TARGETS
        }
        naive_local = [
            pd.Timestamp(s.astimezone(cal.tzinfo).replace(tzinfo=None)) for s in starts[:PEER_N]
        ]
        peers["pandas CustomBusinessHour"] = _rate(
            "pandas CustomBusinessHour (baseline)",
            PEER_N,
            lambda: [s + offsets[t] for s, t in zip(naive_local, targets, strict=False)],
        )
    except ImportError as exc:  # pragma: no cover
        print(f"  pandas not installed ({exc}); pip install -e '.[bench]'")

    for name, rate in peers.items():
        print(
            f"  ratio vs {name}: datetime API {ours_dt / rate:,.0f}x, "
            f"epoch API {ours_ts / rate:,.0f}x, batch {ours_many / rate:,.0f}x"
        )
    print("  target: >= 1,000,000 deadlines/s, >= 100x the peers; remaining <= 2 µs")
    assert ours_ts > 0 and ours_dt > 0


SPAN_N = 20_000
FRESH_N = 200  # a calendar built per question costs milliseconds: a sample is enough


def test_three_year_spans_on_a_shared_calendar_in_random_year_order() -> None:
    """A desk's history: 3-year spans starting anywhere in 1995–2034, asked of one shared
    calendar in random order of years (as a report or an import over old tickets would),
    the table growing both ways as they come. Baselines in the same run: the same
    questions in time order, and a calendar built afresh for each question."""
    rng = random.Random(7)
    years = list(range(1995, 2035))
    rng.shuffle(years)
    span = timedelta(days=3 * 365)
    starts = [
        datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(365 * 86_400))
        for year in years
        for _ in range(SPAN_N // len(years))
    ]
    stamps = [s.timestamp() for s in starts]
    ends = [(s + span).timestamp() for s in starts]

    def ask(cal: BusinessCalendar, order: list[int]) -> list[tuple[float, float]]:
        between, add = cal.seconds_between, cal.add_seconds
        out = []
        for k in order:
            business = between(stamps[k], ends[k])
            out.append((business, add(stamps[k], business)))
        return out

    print(f"\n3-year spans, {len(starts):,} questions from 1995 to 2034, {ZONE} office hours")
    every = list(range(len(starts)))
    shared = BusinessCalendar(ZONE, HOURS, holiday_region="CA-ON")
    began = time.perf_counter()
    answers = ask(shared, every)
    cold = (time.perf_counter() - began) / len(every) * 1e6
    warm = _per_question_us(lambda: ask(shared, every), len(every))
    in_time_order = sorted(every, key=stamps.__getitem__)
    chronological = BusinessCalendar(ZONE, HOURS, holiday_region="CA-ON")
    ask(chronological, in_time_order)
    ordered = _per_question_us(lambda: ask(chronological, in_time_order), len(every))
    sample = every[:: len(every) // FRESH_N]
    began = time.perf_counter()
    fresh = [ask(BusinessCalendar(ZONE, HOURS, holiday_region="CA-ON"), [k])[0] for k in sample]
    per_fresh = (time.perf_counter() - began) / len(sample) * 1e6
    print(
        f"  shared calendar, random year order: {cold:8.2f} µs per question the first time "
        f"(the table grows as they come), {warm:6.2f} µs after"
    )
    print(f"  shared calendar, questions in time order (baseline): {ordered:6.2f} µs")
    print(f"  a calendar built afresh per question (baseline): {per_fresh:,.0f} µs")
    # the order of the questions changes nothing in the answers
    assert [answers[k] for k in sample] == fresh
    assert answers == [
        pair
        for _, pair in sorted(zip(in_time_order, ask(chronological, in_time_order), strict=True))
    ]


def _per_question_us(work: Callable[[], object], count: int) -> float:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best / count * 1e6


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-s", "-o", "addopts="])
