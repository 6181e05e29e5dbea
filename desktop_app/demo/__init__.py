"""The demo desk: a reproducible, realistic data set (plain Python: no Qt, no SQL)."""

from desktop_app.demo.desk import (
    CATEGORIES,
    DEMO_HISTORY_DAYS,
    STRUGGLING_CUSTOMER,
    generate_demo_desk,
)

__all__ = ["CATEGORIES", "DEMO_HISTORY_DAYS", "STRUGGLING_CUSTOMER", "generate_demo_desk"]
