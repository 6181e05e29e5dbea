"""Every change a person (or the desk itself) makes, as data.

A command says what to do, to which records at which versions, by whom (``actor_id``;
``None`` is the desk itself, e.g. escalation on breach) and **when it happened** (``at``,
an aware instant). The store applies it in one transaction (``Store.apply``); nothing else
writes. Commands are frozen and serialise to JSON and back exactly (:func:`to_json`,
:func:`from_json`), so an outbox can keep them and a laptop can replay them hours later with
their own instants. ``command_id`` names one execution: applying the same command twice
writes it once.

:func:`inverse` gives the command that undoes another, from what the first one changed;
:func:`rebase` gives the same command again for new ticket versions (redo, or a retry after
the desk's own earlier change).
"""

from __future__ import annotations

import dataclasses
import types
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from desktop_app.domain.enums import EventKind, Metric, Priority, TicketStatus
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.model import CriticismNote, Notification, Technician, Ticket

__all__ = [
    "COMMAND_FORMAT",
    "COMMAND_TYPES",
    "CONVERSATION_KINDS",
    "TICKET_CHANNELS",
    "AddCriticism",
    "AddEvent",
    "AddNotification",
    "AddTechnician",
    "ChangeCategory",
    "ChangePriority",
    "Command",
    "CommandFormatError",
    "CreateTicket",
    "EditCriticism",
    "Escalate",
    "MarkNotificationsRead",
    "Move",
    "Reassign",
    "RecordBreach",
    "Reopen",
    "Resolve",
    "ResolveCriticism",
    "Resume",
    "TicketCommand",
    "WaitOnCustomer",
    "from_json",
    "inverse",
    "new_command_id",
    "rebase",
    "to_json",
]

# Version of the JSON shape written by to_json; from_json refuses newer ones.
COMMAND_FORMAT = 1

CONVERSATION_KINDS = (
    EventKind.CUSTOMER_MESSAGE,
    EventKind.PUBLIC_REPLY,
    EventKind.PHONE_CALL,
    EventKind.INTERNAL_NOTE,
)

C = TypeVar("C", bound="Command")


def new_command_id() -> str:
    return uuid.uuid4().hex


class CommandFormatError(ValidationError):
    """A command's JSON cannot be read by this desk (unknown type, newer format, bad
    field); it names the command type and what is wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """What every command carries: who, when, and the id of this execution."""

    name: ClassVar[str] = ""
    undoable: ClassVar[bool] = False

    actor_id: int | None
    at: datetime
    command_id: str = field(default_factory=new_command_id)

    def __post_init__(self) -> None:
        for name, kind in _enum_fields(type(self)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                object.__setattr__(self, name, _enum_value(kind, value, name))
        if not isinstance(self.at, datetime) or self.at.tzinfo is None:
            raise ValidationError(
                f"{self.name or type(self).__name__}: the instant {self.at!r} has no time "
                "zone; give an aware instant (UTC inside the desk).",
                "at",
            )
        self.validate()

    def validate(self) -> None:
        """Checks that need nothing but the command itself (the store checks the rest)."""

    def expected_versions(self) -> dict[int, int]:
        """The tickets this command acts on, each with the version it expects."""
        return {}

    @property
    def audit_name(self) -> str:
        """The action its audit row records."""
        return self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCommand(Command):
    """A change to one ticket that expects it at ``version`` (else a conflict)."""

    ticket_id: int
    version: int

    def expected_versions(self) -> dict[int, int]:
        return {self.ticket_id: self.version}


# --------------------------------------------------------------------------- tickets


@dataclass(frozen=True, slots=True, kw_only=True)
class AddEvent(TicketCommand):
    """A reply, a logged call, an internal note or what the customer sent."""

    name: ClassVar[str] = "add_event"

    kind: EventKind
    text: str

    @property
    def audit_name(self) -> str:
        return f"add_{EventKind(self.kind).value}"

    def validate(self) -> None:
        if self.kind not in CONVERSATION_KINDS:
            allowed = ", ".join(k.value for k in CONVERSATION_KINDS)
            raise ValidationError(
                f"A conversation entry is one of {allowed}; {EventKind(self.kind).value} has "
                "its own action (assign, wait, resolve, escalate, …).",
                "kind",
            )
        if not self.text.strip():
            what = {
                EventKind.PUBLIC_REPLY: "A reply needs text; write what the customer is told.",
                EventKind.PHONE_CALL: (
                    "A phone call needs at least a one-line summary of what was said."
                ),
                EventKind.INTERNAL_NOTE: "An internal note needs text.",
                EventKind.CUSTOMER_MESSAGE: "A customer message needs what the customer said.",
            }[self.kind]
            raise ValidationError(what, "text")


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitOnCustomer(TicketCommand):
    name: ClassVar[str] = "wait_on_customer"
    undoable: ClassVar[bool] = True
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume(TicketCommand):
    name: ClassVar[str] = "resume"
    undoable: ClassVar[bool] = True
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolve(TicketCommand):
    name: ClassVar[str] = "resolve"
    undoable: ClassVar[bool] = True
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reopen(TicketCommand):
    name: ClassVar[str] = "reopen"
    undoable: ClassVar[bool] = True
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePriority(TicketCommand):
    name: ClassVar[str] = "change_priority"
    undoable: ClassVar[bool] = True
    priority: Priority


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeCategory(TicketCommand):
    name: ClassVar[str] = "change_category"
    undoable: ClassVar[bool] = True
    category: str

    def validate(self) -> None:
        if not self.category.strip():
            raise ValidationError(
                "A ticket needs a category (e.g. 'outage', 'request').", "category"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalate(TicketCommand):
    """Raise the escalation level (by one unless ``level``), optionally handing the
    ticket to someone more senior in the same step."""

    name: ClassVar[str] = "escalate"

    level: int | None = None
    reassign_to_id: int | None = None
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordBreach(Command):
    """The desk found a breach (``at`` is the breach instant); changes no version."""

    name: ClassVar[str] = "record_breach"

    ticket_id: int
    metric: Metric


@dataclass(frozen=True, slots=True)
class Move:
    """One ticket of a reassignment: the version the caller saw and where it goes."""

    ticket_id: int
    version: int
    assignee_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reassign(Command):
    """Move one or many tickets, each to its own assignee (``None``: unassigned), all or
    nothing. Tickets already where asked are left alone."""

    name: ClassVar[str] = "assign"
    undoable: ClassVar[bool] = True

    moves: tuple[Move, ...]

    def validate(self) -> None:
        if not self.moves:
            raise ValidationError("Select at least one ticket to assign.", "tickets")
        seen: set[int] = set()
        for move in self.moves:
            if move.ticket_id in seen:
                raise ValidationError(
                    f"Ticket id {move.ticket_id} appears twice in one assignment; "
                    "list each ticket once.",
                    "tickets",
                )
            seen.add(move.ticket_id)

    def expected_versions(self) -> dict[int, int]:
        return {m.ticket_id: m.version for m in self.moves}

    @classmethod
    def to(
        cls,
        tickets: Mapping[int, int],
        assignee_id: int | None,
        *,
        actor_id: int | None,
        at: datetime,
    ) -> Reassign:
        """All of ``tickets`` (``{ticket_id: version}``) to one assignee."""
        moves = tuple(Move(t, v, assignee_id) for t, v in tickets.items())
        return cls(actor_id=actor_id, at=at, moves=moves)


# How a ticket came in; "" when nobody said (an import, an older desk).
TICKET_CHANNELS = ("phone", "email", "walk-in", "portal")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTicket(Command):
    """Open a ticket; ``at`` is when the customer's request came in (a call logged later is
    dated back to it)."""

    name: ClassVar[str] = "create_ticket"

    customer_id: int
    subject: str
    category: str
    priority: Priority
    site_id: int | None = None
    contact_id: int | None = None
    description: str = ""
    assignee_id: int | None = None
    channel: str = ""

    def validate(self) -> None:
        if not self.subject.strip():
            raise ValidationError(
                "A ticket needs a subject; describe the problem briefly.", "subject"
            )
        if not self.category.strip():
            raise ValidationError(
                "A ticket needs a category (e.g. 'outage', 'request').", "category"
            )
        if self.channel and self.channel not in TICKET_CHANNELS:
            raise ValidationError(
                f"Unknown channel {self.channel!r}; a ticket comes in by "
                f"{', '.join(TICKET_CHANNELS)}.",
                "channel",
            )


# --------------------------------------------------------------------------- criticism


@dataclass(frozen=True, slots=True, kw_only=True)
class AddCriticism(Command):
    name: ClassVar[str] = "add_criticism"
    note: CriticismNote


@dataclass(frozen=True, slots=True, kw_only=True)
class EditCriticism(Command):
    """Change a note's words, sentiment, source, ticket or follow-up (by ``note.id``)."""

    name: ClassVar[str] = "edit_criticism"
    note: CriticismNote

    def validate(self) -> None:
        if self.note.id is None:
            raise ValidationError("Only a saved criticism note can be edited (it has no id).")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveCriticism(Command):
    name: ClassVar[str] = "resolve_criticism"
    note_id: int


# --------------------------------------------------------------------------- notifications


@dataclass(frozen=True, slots=True, kw_only=True)
class AddNotification(Command):
    """Keep a warning, breach or arrival in its recipient's list (the desk's own act)."""

    name: ClassVar[str] = "add_notification"
    notification: Notification


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkNotificationsRead(Command):
    name: ClassVar[str] = "mark_notifications_read"
    notification_ids: tuple[int, ...]


# --------------------------------------------------------------------------- setup


@dataclass(frozen=True, slots=True, kw_only=True)
class AddTechnician(Command):
    """Add a person to the desk (a manager does; the very first one needs nobody)."""

    name: ClassVar[str] = "add_technician"
    technician: Technician


COMMAND_TYPES: dict[str, type[Command]] = {
    cls.name: cls
    for cls in (
        AddEvent,
        WaitOnCustomer,
        Resume,
        Resolve,
        Reopen,
        ChangePriority,
        ChangeCategory,
        Escalate,
        RecordBreach,
        Reassign,
        CreateTicket,
        AddCriticism,
        EditCriticism,
        ResolveCriticism,
        AddNotification,
        MarkNotificationsRead,
        AddTechnician,
    )
}

# The setup commands (customers, technicians, policies, calendars, the first set-up) live in
# their own module and add themselves to COMMAND_TYPES as it loads: every command reads and
# writes through the one table.
from desktop_app.domain import setup_commands as _setup_commands  # noqa: E402, F401

# --------------------------------------------------------------------------- undo, redo


def inverse(
    command: Command,
    before: Mapping[int, Ticket],
    after: Mapping[int, Ticket],
    *,
    at: datetime,
    actor_id: int | None = None,
) -> Command | None:
    """The command that takes ``command`` back, given the tickets as they were before it
    and as it left them (their versions are what the undo expects). ``None``: it cannot be
    taken back (a reply reached the customer; an escalation told people)."""
    actor = command.actor_id if actor_id is None else actor_id
    if isinstance(command, Reassign):
        moves = tuple(
            Move(tid, after[tid].version, before[tid].assignee_id)
            for tid in (m.ticket_id for m in command.moves)
            if tid in before and tid in after and before[tid].assignee_id != after[tid].assignee_id
        )
        return Reassign(actor_id=actor, at=at, moves=moves) if moves else None
    if not isinstance(command, TicketCommand) or command.ticket_id not in after:
        return None
    tid = command.ticket_id
    common: dict[str, Any] = {"actor_id": actor, "at": at, "ticket_id": tid}
    common["version"] = after[tid].version
    if isinstance(command, WaitOnCustomer):
        return Resume(**common)
    if isinstance(command, Resume):
        return WaitOnCustomer(**common)
    if isinstance(command, Resolve):
        return Reopen(**common, text="Resolution undone")
    if isinstance(command, Reopen):
        was = before.get(tid)
        closed = was is not None and was.status is TicketStatus.CLOSED
        return Resolve(**common, text="Closing undone" if closed else "Reopening undone")
    if isinstance(command, ChangePriority) and tid in before:
        return ChangePriority(**common, priority=before[tid].priority)
    if isinstance(command, ChangeCategory) and tid in before:
        return ChangeCategory(**common, category=before[tid].category)
    return None


def rebase(
    command: C, versions: Mapping[int, int], *, at: datetime | None = None, new_id: bool = True
) -> C:
    """The same change for tickets now at ``versions``: a new execution (a new id, and the
    instant ``at`` when given) for redo, or, ``new_id=False``, the same execution retried
    after the desk's own earlier change moved the tickets on."""
    changes: dict[str, Any] = {}
    if new_id:
        changes["command_id"] = new_command_id()
    if at is not None:
        changes["at"] = at
    if isinstance(command, Reassign):
        changes["moves"] = tuple(
            replace(m, version=versions.get(m.ticket_id, m.version)) for m in command.moves
        )
    elif isinstance(command, TicketCommand):
        changes["version"] = versions.get(command.ticket_id, command.version)
    return replace(command, **changes)


# --------------------------------------------------------------------------- JSON


_ENUM_FIELDS: dict[type, tuple[tuple[str, type[Enum]], ...]] = {}


def _enum_fields(cls: type) -> tuple[tuple[str, type[Enum]], ...]:
    """The command's fields typed with an enumeration (``Priority``, ``EventKind``…)."""
    found = _ENUM_FIELDS.get(cls)
    if found is None:
        hints = _hints(cls)
        found = tuple(
            (f.name, hints[f.name])
            for f in fields(cls)
            if isinstance(hints[f.name], type) and issubclass(hints[f.name], Enum)
        )
        _ENUM_FIELDS[cls] = found
    return found


def _enum_value(kind: type[Enum], value: object, name: str) -> Enum:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(m.value) for m in kind)
        raise ValidationError(
            f"Unknown {name.replace('_', ' ')} {value!r}; use one of {names}.", name
        ) from None


def to_json(command: Command) -> dict[str, Any]:
    """``{"type": name, "format": 1, "fields": {...}}`` with plain JSON values."""
    cls = type(command)
    if COMMAND_TYPES.get(cls.name) is not cls:
        raise TypeError(f"{cls.__name__} is not a registered command type.")
    return {
        "type": cls.name,
        "format": COMMAND_FORMAT,
        "fields": {f.name: _encode(getattr(command, f.name)) for f in fields(command)},
    }


def from_json(data: Mapping[str, Any]) -> Command:
    """The command ``to_json`` wrote; refuses unknown types and newer formats by name."""
    if not isinstance(data, Mapping):
        raise CommandFormatError(f"A command is a JSON object, not {type(data).__name__}.")
    name = data.get("type")
    cls = COMMAND_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise CommandFormatError(
            f"Unknown command type {name!r}: this desk cannot apply it (it may come from a "
            "newer version of Technician Queue; update this desk).",
            "type",
        )
    version = data.get("format")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CommandFormatError(f"Command {name!r} has no valid format number ({version!r}).")
    if version > COMMAND_FORMAT:
        raise CommandFormatError(
            f"Command {name!r} is written in format {version}; this desk reads format "
            f"{COMMAND_FORMAT} and older. Update Technician Queue to apply it.",
            "format",
        )
    values = data.get("fields")
    if not isinstance(values, Mapping):
        raise CommandFormatError(f"Command {name!r} has no fields object.")
    try:
        command: Command = _decode_dataclass(cls, values, f"command {name!r}")
        return command
    except CommandFormatError:
        raise
    except ValidationError as exc:
        raise CommandFormatError(f"Command {name!r}: {exc}", exc.field) from None


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return [value.days, value.seconds, value.microseconds]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return [[_encode(k), _encode(v)] for k, v in value.items()]
    raise TypeError(f"Cannot write {type(value).__name__} into a command.")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


def _decode_dataclass(cls: type, values: Mapping[str, Any], where: str) -> Any:
    hints = _hints(cls)
    known = {f.name: f for f in fields(cls) if f.init}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise CommandFormatError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    kwargs = {}
    for name, spec in known.items():
        if name not in values:
            if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                raise CommandFormatError(f"{where}: the field {name!r} is missing.")
            continue
        kwargs[name] = _decode(hints[name], values[name], f"{where}, field {name!r}")
    return cls(**kwargs)


def _decode(kind: Any, value: Any, where: str) -> Any:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        if value is None:
            return None
        if len(options) == 1:
            return _decode(options[0], value, where)
        raise TypeError(f"{where}: unions of several types are not supported in commands.")
    if origin is tuple:
        args = get_args(kind)
        if not isinstance(value, list):
            raise CommandFormatError(f"{where}: expected a list, got {value!r}.")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, where) for v in value)
        if len(args) != len(value):
            raise CommandFormatError(f"{where}: expected {len(args)} values, got {len(value)}.")
        return tuple(_decode(a, v, where) for a, v in zip(args, value, strict=True))
    if origin is list:
        (arg,) = get_args(kind)
        if not isinstance(value, list):
            raise CommandFormatError(f"{where}: expected a list, got {value!r}.")
        return [_decode(arg, v, where) for v in value]
    if origin in (dict, Mapping):
        key_type, value_type = get_args(kind)
        if not isinstance(value, list):
            raise CommandFormatError(f"{where}: expected a list of pairs, got {value!r}.")
        return {_decode(key_type, k, where): _decode(value_type, v, where) for k, v in value}
    if kind is Any:
        return value
    if isinstance(kind, type):
        return _decode_plain(kind, value, where)
    raise TypeError(f"{where}: cannot read a value of type {kind!r}.")


def _decode_plain(kind: type, value: Any, where: str) -> Any:
    try:
        if issubclass(kind, Enum):
            return kind(value)
        if kind is datetime:
            if not isinstance(value, str):
                raise ValueError(value)
            return datetime.fromisoformat(value)
        if kind is date:
            if not isinstance(value, str):
                raise ValueError(value)
            return date.fromisoformat(value)
        if kind is timedelta:
            days, seconds, micro = value
            return timedelta(days=days, seconds=seconds, microseconds=micro)
        if is_dataclass(kind):
            if not isinstance(value, Mapping):
                raise ValueError(value)
            return _decode_dataclass(kind, value, where)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if kind is int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(value)
            return value
        if kind is float:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if kind is str:
            if not isinstance(value, str):
                raise ValueError(value)
            return value
    except (ValueError, TypeError):
        raise CommandFormatError(f"{where}: {value!r} is not a valid {kind.__name__}.") from None
    raise TypeError(f"{where}: cannot read a value of type {kind.__name__}.")
