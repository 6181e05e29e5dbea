"""SLA clocks derived from a ticket's timeline.  (Interface; implementation in progress.)

Public API (keep these names; the store, monitor and queue depend on them):

    @dataclass(frozen=True, slots=True)
    class Clock:
        metric: Metric
        state: ClockState            # RUNNING, PAUSED, MET, BREACHED, INACTIVE
        target: timedelta            # business time allowed
        started_at: datetime | None  # start of the current cycle (aware UTC)
        due_at: datetime | None      # deadline, aware UTC; None while paused/inactive/met
        elapsed: timedelta           # business time counted at `as_of`
        breached_at: datetime | None # the real instant the target was exceeded
        met_at: datetime | None
        as_of: datetime              # the `now` it was computed for
        warnings: tuple[WarningInstant, ...]   # (label, at) e.g. ("75%", t), ("30 min before", t)
        running: bool                # counting now (running, or breached and still open)

        remaining -> timedelta       # target - elapsed (negative once breached)

    def compute_clocks(events, terms, now) -> dict[Metric, Clock]
"""
