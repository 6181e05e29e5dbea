"""SLA engine: business calendars, SLA clocks, policy selection (no Qt, no SQL)."""
