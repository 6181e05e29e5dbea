"""Files in and out of the desk: CSV and JSON import and export.

Parsing and checking are plain Python over the domain; writing goes through the store's
public calls (``Store.import_desk``, the interchange queries)."""

from desktop_app.interchange.files import (
    EVENT_COLUMNS,
    FIELD_LIMITS,
    KINDS,
    TICKET_COLUMNS,
    ImportRejectedError,
    ImportReport,
    InstantRange,
    KnownNames,
    ParsedImport,
    RowError,
    export_file,
    export_tickets_csv,
    export_tickets_json,
    import_file,
    infer_kind,
    known_names,
    parse_csv,
    parse_file,
    parse_json,
    read_tickets,
)

__all__ = [
    "EVENT_COLUMNS",
    "FIELD_LIMITS",
    "KINDS",
    "TICKET_COLUMNS",
    "ImportRejectedError",
    "ImportReport",
    "InstantRange",
    "KnownNames",
    "ParsedImport",
    "RowError",
    "export_file",
    "export_tickets_csv",
    "export_tickets_json",
    "import_file",
    "infer_kind",
    "known_names",
    "parse_csv",
    "parse_file",
    "parse_json",
    "read_tickets",
]
