"""The desk's own drag-and-drop payload: which tickets, at which version.

A drag carries ticket ids with the version each had when the drag started, so the
assignment service can refuse the whole drop if any of them changed meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtCore import QMimeData

from desktop_app.domain.queue import QueueEntry

TICKETS_MIME = "application/x-technician-queue-tickets"


def encode_tickets(tickets: Iterable[tuple[int, int]]) -> QMimeData:
    """(ticket id, version) pairs as a MIME payload (plus plain text for other apps)."""
    pairs = [(int(ticket_id), int(version)) for ticket_id, version in tickets]
    mime = QMimeData()
    payload = json.dumps([{"id": t, "version": v} for t, v in pairs]).encode()
    mime.setData(TICKETS_MIME, payload)
    return mime


def encode_entries(entries: Iterable[QueueEntry]) -> QMimeData:
    """The payload of dragged queue rows or board cards (each ticket once)."""
    return encode_tickets({e.ticket_id: e.version for e in entries}.items())


def decode_tickets(mime: QMimeData | None) -> list[tuple[int, int]]:
    """The (ticket id, version) pairs of a payload; empty for anything else or garbage."""
    if mime is None or not mime.hasFormat(TICKETS_MIME):
        return []
    try:
        items = json.loads(bytes(mime.data(TICKETS_MIME).data()).decode())
        return [(int(item["id"]), int(item["version"])) for item in items]
    except (ValueError, KeyError, TypeError):
        return []


__all__ = ["TICKETS_MIME", "decode_tickets", "encode_entries", "encode_tickets"]
