"""The dispatch board: a column of ticket cards per technician, reassigned by drag and drop.

Pieces, from the screen inwards:

* :class:`DispatchBoard` — the widget: one :class:`BoardColumnWidget` per column of the
  :class:`~desktop_app.models.board_model.BoardModel` (header with workload, local time and
  shift; a list of cards, the ones that breach first, with how many more follow).
  Countdowns tick once a second only while the board is visible, and only for the cards
  on screen; moved cards glow for a moment.
* :class:`Dispatcher` — the assignment path every drop, menu entry and "Assign to…" takes:
  refusals that need no database (inactive technician, a ticket the board already knows
  changed, a move the signed-in person may not make), the outage-off-shift question, then
  one ``Reassign`` command (one transaction, one audit row) and one entry on the session's
  undo history. Undo puts each ticket back to its own previous assignee, again in one
  transaction.
* :class:`DispatchBoardPanel` — attaches all of it to a :class:`DeskSession`: a dock the
  dispatcher can float onto a second screen, the Edit and View menu entries, and the desk's
  ``changed`` feed that keeps cards where they belong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import ConflictError, PermissionDeniedError, Role, ValidationError
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import Reassign
from desktop_app.domain.errors import StaleTicketsError
from desktop_app.domain.permissions import assignment_refusal, is_lead
from desktop_app.domain.queue import QueueEntry
from desktop_app.models.board_model import (
    COUNTDOWN_ROLE,
    HIGHLIGHT_ROLE,
    OUTAGE_CATEGORY,
    OUTAGE_ROLE,
    BoardColumnModel,
    BoardModel,
    ColumnInfo,
    off_shift_after,
)
from desktop_app.models.plain_text import menu_text, plain_tooltip
from desktop_app.models.queue_model import (
    ENTRY_ROLE,
    STATE_ROLE,
    QueueModel,
    RowState,
    format_remaining,
)
from desktop_app.models.ticket_mime import TICKETS_MIME
from desktop_app.paths import icon_file
from desktop_app.services.desk import DeskChange
from desktop_app.views.assign_dialog import AssignDialog, AssignTarget
from desktop_app.views.desk_session import DeskSession

TICK_MS = 1000
GLOW_MS = 80
COLUMN_WIDTH = 264
CARD_HEIGHT = 66
ASSIGN_SHORTCUT = "Ctrl+Shift+A"
BOARD_SHORTCUT = "Ctrl+Shift+D"
DOCK_HEIGHT = 300
DOCK_MIN_HEIGHT = 170  # a column's header and a card
DOCK_SHARE = 0.25  # of the screen's height, when docked the first time
BOARD_DOCKED_SCREEN = 860  # screens at least this tall show the board docked at first

_STATE_COLOURS = {
    RowState.OK: QColor("#1b7f3b"),
    RowState.WARNING: QColor("#a35a00"),
    RowState.BREACHED: QColor("#b3261e"),
    RowState.PAUSED: QColor("#5f6368"),
    RowState.NONE: QColor("#5f6368"),
}
_PRIORITY_COLOURS = {1: "#b3261e", 2: "#c25e00", 3: "#1565c0", 4: "#5f6368"}
_PRIORITY_QCOLOURS = {rank: QColor(colour) for rank, colour in _PRIORITY_COLOURS.items()}
_GLOW = QColor("#ffe58a")
_CARD = QColor("#ffffff")
_SELECTED_CARD = QColor("#e3efff")
_CARD_BORDER = QColor("#d5dce5")
_FOCUS_BORDER = QColor("#1565c0")
_MUTED = QColor("#5f6368")
_WHITE = QColor("#ffffff")
_INK = QColor("#102a43")
_SUBJECT = QColor("#627d98")
_OUTAGE_TAG = QColor("#fde8e7")
_OUTAGE_TEXT = QColor("#b3261e")
_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft

_STYLE = """
#dispatchBoard { background: #eef2f7; }
#boardSummary, #boardHint { color: #486581; }
#boardScroll, #boardColumns { background: transparent; border: none; }
#boardColumn {
    background: #f8fafc; border: 1px solid #d5dce5; border-radius: 6px;
}
#boardColumn[offShift="true"] #boardColumnHeader { background: #f3efe4; }
#boardColumn[inactive="true"] { border-style: dashed; }
#boardColumn[dropTarget="true"] { border: 2px solid #1565c0; background: #e8f0fb; }
#boardColumnHeader { background: transparent; border-bottom: 1px solid #d5dce5; }
#columnName { font-weight: 600; color: #102a43; }
#columnRole { color: #ffffff; background: #486581; border-radius: 3px; padding: 0 4px; }
#columnShift { color: #334e68; }
#columnShift[offShift="true"] { color: #8a6100; }
#columnWorkload { color: #486581; }
#columnMore { color: #486581; border-top: 1px solid #d5dce5; padding: 2px 6px; }
#boardColumnView { background: #f8fafc; border: none; }
#boardColumnView QScrollBar:vertical {
    background: #f8fafc; width: 8px; margin: 2px 0 2px 0; border: none;
}
#boardColumnView QScrollBar::handle:vertical {
    background: #bcccdc; border-radius: 4px; min-height: 24px;
}
#boardColumnView QScrollBar::add-line:vertical, #boardColumnView QScrollBar::sub-line:vertical {
    height: 0; border: none; background: none;
}
#boardColumnView QScrollBar::add-page:vertical, #boardColumnView QScrollBar::sub-page:vertical {
    background: none;
}
"""


def state_icons() -> dict[RowState, QIcon]:
    names = {
        RowState.OK: "ok",
        RowState.WARNING: "warning",
        RowState.BREACHED: "breached",
        RowState.PAUSED: "paused",
    }
    return {state: QIcon(str(icon_file(name))) for state, name in names.items()}


def queue_entries(model: QueueModel) -> list[QueueEntry]:
    """Every open ticket the session's queue holds, whatever its filter shows."""
    return model.entries()


def assign_label(numbers: Sequence[str], assignee: str | None) -> str:
    """``Assign TQ-10042 to Priya Raman``, ``Assign 3 tickets to Priya Raman``,
    ``Unassign 2 tickets``: the undo stack's words for one drop."""
    what = numbers[0] if len(numbers) == 1 else f"{len(numbers)} tickets"
    return f"Assign {what} to {assignee}" if assignee is not None else f"Unassign {what}"


# ---------------------------------------------------------------------------------- cards


class CardDelegate(QStyledItemDelegate):
    """Paints a ticket as a compact card: state bar and icon, countdown, priority badge,
    number and customer, subject; a glow while freshly moved.

    Opening the board paints every card on screen in one go, so fonts, metrics and colours
    are made once (per font) rather than per card."""

    def __init__(self, icons: dict[RowState, QIcon], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self._fonts: dict[str, tuple[QFont, QFontMetrics, QFont, QFontMetrics]] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return QSize(COLUMN_WIDTH - 24, CARD_HEIGHT)

    def _fonts_for(self, font: QFont) -> tuple[QFont, QFontMetrics, QFont, QFontMetrics]:
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            base = QFont(font)
            bold = QFont(font)
            bold.setBold(True)
            fonts = (base, QFontMetrics(base), bold, QFontMetrics(bold))
            self._fonts[key] = fonts
        return fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, QueueEntry):
            super().paint(painter, option, index)
            return
        state = RowState(index.data(STATE_ROLE))
        glow = float(index.data(HIGHLIGHT_ROLE) or 0.0)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        rect: QRect = option.rect.adjusted(4, 3, -4, -3)
        base, metrics, bold, bold_metrics = self._fonts_for(option.font)
        state_colour = _STATE_COLOURS[state]

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = _SELECTED_CARD if selected else _CARD
        if glow > 0:
            background = _blend(background, _GLOW, glow)
        painter.setBrush(background)
        border = _FOCUS_BORDER if selected or focused else _CARD_BORDER
        painter.setPen(QPen(border, 1.5 if selected else 1))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(state_colour)
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), 5, rect.height()), 2, 2)

        left = rect.left() + 12
        width = rect.right() - left - 6
        line = metrics.height() + 2
        top = rect.top() + 4

        # line 1: state icon, countdown, priority badge
        icon = self._icons.get(state)
        text_left = left
        if icon is not None and not icon.isNull():
            icon.paint(painter, QRect(left, top + (line - 14) // 2, 14, 14))
            text_left = left + 18
        rank = entry.priority.rank
        badge = f"P{rank}"
        badge_w = bold_metrics.horizontalAdvance(badge) + 10
        badge_rect = QRect(rect.right() - badge_w - 6, top + 1, badge_w, line - 2)
        painter.setBrush(_PRIORITY_QCOLOURS.get(rank, _MUTED))
        painter.drawRoundedRect(badge_rect, 3, 3)
        painter.setFont(bold)
        painter.setPen(_WHITE)
        painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
        countdown = str(index.data(COUNTDOWN_ROLE) or "")
        painter.setPen(state_colour)
        room = badge_rect.left() - text_left - 6
        painter.drawText(
            QRect(text_left, top, room, line),
            _LEFT,
            bold_metrics.elidedText(countdown, Qt.TextElideMode.ElideRight, room),
        )

        # line 2: number · customer, outage tag
        painter.setFont(base)
        top += line
        tag_w = 0
        if index.data(OUTAGE_ROLE):
            tag = OUTAGE_CATEGORY
            tag_w = metrics.horizontalAdvance(tag) + 10
            tag_rect = QRect(rect.right() - tag_w - 6, top + 1, tag_w, line - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_OUTAGE_TAG)
            painter.drawRoundedRect(tag_rect, 3, 3)
            painter.setPen(_OUTAGE_TEXT)
            painter.drawText(tag_rect, Qt.AlignmentFlag.AlignCenter, tag)
            tag_w += 6
        painter.setPen(_INK)
        who = f"{entry.number} · {entry.customer_name}"
        painter.drawText(
            QRect(left, top, width - tag_w, line),
            _LEFT,
            metrics.elidedText(who, Qt.TextElideMode.ElideRight, width - tag_w),
        )

        # line 3: subject, muted
        top += line
        painter.setPen(_SUBJECT)
        painter.drawText(
            QRect(left, top, width, line),
            _LEFT,
            metrics.elidedText(entry.subject, Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()


def _blend(base: QColor, over: QColor, amount: float) -> QColor:
    a = max(0.0, min(1.0, amount))
    return QColor(
        round(base.red() + (over.red() - base.red()) * a),
        round(base.green() + (over.green() - base.green()) * a),
        round(base.blue() + (over.blue() - base.blue()) * a),
    )


# ---------------------------------------------------------------------------------- columns


class BoardColumnView(QListView):
    """The cards of one column. Drops of the desk's tickets land on the column as a whole
    (cards sort by deadline, so where the pointer is inside the column does not matter)."""

    neighbourRequested = Signal(int)  # -1: the column to the left, +1: to the right
    contextMenuWanted = Signal(QPoint)  # global position
    dropHovered = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumnView")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: self.contextMenuWanted.emit(self.viewport().mapToGlobal(pos))
        )

    def column_model(self) -> BoardColumnModel | None:
        model = self.model()
        return model if isinstance(model, BoardColumnModel) else None

    def visible_rows(self) -> tuple[int, int]:
        count = self.model().rowCount() if self.model() is not None else 0
        if count == 0:
            return 0, -1
        first = self.indexAt(QPoint(8, 2)).row()
        last = self.indexAt(QPoint(8, self.viewport().height() - 2)).row()
        return max(first, 0), count - 1 if last < 0 else last

    def selected_tickets(self) -> list[tuple[int, int]]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        model = self.column_model()
        if model is None:
            return []
        entries = [model.entry_at(r) for r in rows if r < model.rowCount()]
        return [(e.ticket_id, e.version) for e in entries]

    # ------------------------------------------------------------------ drag and drop

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        indexes = [i for i in self.selectedIndexes() if i.isValid()]
        model = self.column_model()
        if not indexes or model is None:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        drag.setPixmap(_drag_pixmap(len(indexes), self.font()))
        drag.setHotSpot(QPoint(12, 12))
        drag.exec(Qt.DropAction.MoveAction, Qt.DropAction.MoveAction)

    def _wants(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        mime = event.mimeData()
        return mime is not None and mime.hasFormat(TICKETS_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._wants(event):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self.dropHovered.emit(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._wants(event):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.dropHovered.emit(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.dropHovered.emit(False)
        model = self.column_model()
        if model is None or not self._wants(event):
            event.ignore()
            return
        taken = model.dropMimeData(event.mimeData(), Qt.DropAction.MoveAction, -1, 0, QModelIndex())
        if taken:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not event.modifiers():
            self.neighbourRequested.emit(-1 if event.key() == Qt.Key.Key_Left else 1)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        ):
            rect = self.visualRect(self.currentIndex())
            self.contextMenuWanted.emit(self.viewport().mapToGlobal(rect.center()))
            event.accept()
            return
        super().keyPressEvent(event)


def _drag_pixmap(count: int, font: QFont) -> QPixmap:
    text = "1 ticket" if count == 1 else f"{count} tickets"
    bold = QFont(font)
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    pixmap = QPixmap(metrics.horizontalAdvance(text) + 24, metrics.height() + 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(pixmap.rect().adjusted(1, 1, -1, -1), 6, 6)
    painter.fillPath(path, QColor("#1565c0"))
    painter.setFont(bold)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class ColumnHeader(QFrame):
    """Who the column is, their workload, local time and shift."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumnHeader")
        self.name_label = QLabel(self)
        self.name_label.setObjectName("columnName")
        self.role_label = QLabel(self)
        self.role_label.setObjectName("columnRole")
        self.shift_label = QLabel(self)
        self.shift_label.setObjectName("columnShift")
        self.workload_label = QLabel(self)
        self.workload_label.setObjectName("columnWorkload")
        for label in (self.name_label, self.role_label, self.shift_label, self.workload_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # names come from the desk's records
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.role_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.shift_label)
        layout.addWidget(self.workload_label)


class BoardColumnWidget(QFrame):
    """A column: its header and its cards."""

    def __init__(self, model: BoardColumnModel, delegate: CardDelegate, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumn")
        self.setFixedWidth(COLUMN_WIDTH)
        self.column_model = model
        self.header = ColumnHeader(self)
        self.view = BoardColumnView(self)
        self.view.setModel(model)
        self.view.setItemDelegate(delegate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        # a column shows the cards that breach first; this says how many more follow
        self.more_label = QLabel(self)
        self.more_label.setObjectName("columnMore")
        self.more_label.hide()
        layout.addWidget(self.more_label)
        self.view.dropHovered.connect(self._set_drop_target)
        self.setProperty("dropTarget", False)
        model.rowsInserted.connect(self.refresh_more)
        model.rowsRemoved.connect(self.refresh_more)
        model.modelReset.connect(self.refresh_more)
        self.refresh_more()

    @property
    def info(self) -> ColumnInfo:
        return self.column_model.info

    def refresh(self, board: BoardModel) -> None:
        info = self.info
        header = self.header
        header.name_label.setText(info.name)
        role = info.role
        header.role_label.setVisible(role is not None and role is not Role.TECHNICIAN)
        header.role_label.setText(role.value if role is not None else "")
        shift = board.shift(info.assignee_id)
        off = False
        if info.is_unassigned:
            text = "Drop here to unassign"
        elif not info.active:
            text = "Inactive: cannot take tickets"
        elif shift is None:
            text = ""
        else:
            off = not shift.on_shift
            zone = info.technician.timezone if info.technician is not None else ""
            city = zone.rsplit("/", 1)[-1].replace("_", " ")
            text = f"{'☾' if off else '☀'} {shift.text.replace(' · ', f' {city} · ', 1)}"
            header.shift_label.setToolTip(
                plain_tooltip(f"Local time in {zone}; shift {shift.start}–{shift.end} every day")
            )
        header.shift_label.setText(text)
        if board.loaded:
            workload = board.workload(info.assignee_id)
            text = workload.text
            if header.workload_label.fontMetrics().horizontalAdvance(text) > COLUMN_WIDTH - 24:
                # "30,758 open · 10,009 at risk · 8,528 breached" is wider than a column
                head, _, breached = text.rpartition(" · ")
                text = f"{head}\n{breached}"
            header.workload_label.setText(text)
            header.workload_label.setToolTip(
                f"{workload.open} open tickets, {workload.at_risk} past a warning, "
                f"{workload.breached} breached"
            )
        else:
            header.workload_label.setText("Sorting the cards…")
            header.workload_label.setToolTip("")
        self._set_flag(header.shift_label, "offShift", off)
        self._set_flag(self, "offShift", off)
        self._set_flag(self, "inactive", not info.active)
        self.setToolTip(
            plain_tooltip(f"{info.name}: inactive — tickets cannot be dropped here")
            if not info.active
            else ""
        )
        self.refresh_more()

    @Slot()
    def refresh_more(self) -> None:
        """``200 of 12,345 shown · scroll for more`` under the cards, when some are not."""
        model = self.column_model
        hidden = model.hidden_count()
        label = self.more_label
        if hidden <= 0:
            label.setVisible(False)
            return
        shown, total = model.rowCount(), model.card_count()
        if model.can_show_more():
            text = f"{shown:,} of {total:,} shown · scroll for more"
            tip = (
                f"Cards are sorted by deadline: these {shown:,} breach first. Scroll to the "
                f"end (or press End) to see the next {model.page or shown:,}."
            )
        else:
            text = f"{shown:,} of {total:,} shown · rest in the queue"
            tip = (
                f"Cards are sorted by deadline: these {shown:,} breach first. The other "
                f"{hidden:,} are in the queue: filter or search it, then drag the rows here "
                f"or use Assign to… ({ASSIGN_SHORTCUT})."
            )
        label.setText(text)
        label.setToolTip(tip)
        label.setVisible(True)

    @Slot(bool)
    def _set_drop_target(self, on: bool) -> None:
        self._set_flag(self, "dropTarget", on)

    @staticmethod
    def _set_flag(widget: QWidget, name: str, value: bool) -> None:
        if widget.property(name) == value:
            return
        widget.setProperty(name, value)
        if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            # the style sheet matches on the property: only a polished widget needs telling
            widget.style().unpolish(widget)
            widget.style().polish(widget)


# ---------------------------------------------------------------------------------- board


class DispatchBoard(QWidget):
    """The board widget over a :class:`BoardModel`; see the module docstring."""

    contextMenuWanted = Signal(object, QPoint)  # (BoardColumnView, global position)

    def __init__(
        self,
        model: BoardModel,
        parent: QWidget | None = None,
        *,
        icons: dict[RowState, QIcon] | None = None,
        interval_ms: int = TICK_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatchBoard")
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._model = model
        self._delegate = CardDelegate(icons if icons is not None else {}, self)
        self._columns: list[BoardColumnWidget] = []
        self._last_view: BoardColumnView | None = None
        self._filling = 0  # tickets of the fill in progress

        self._summary = QLabel(self)
        self._summary.setObjectName("boardSummary")
        self._hint = QLabel(
            f"Drag cards onto a column to reassign · {ASSIGN_SHORTCUT}: Assign to… · Ctrl+Z undoes",
            self,
        )
        self._hint.setObjectName("boardHint")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(self._summary)
        bar.addStretch(1)
        bar.addWidget(self._hint)

        self._container = QWidget(self)
        self._container.setObjectName("boardColumns")
        self._row = QHBoxLayout(self._container)
        self._row.setContentsMargins(6, 4, 6, 6)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("boardScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._container)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self._scroll, 1)

        self._ticker = QTimer(self)
        self._ticker.setObjectName("board-countdown")
        self._ticker.setInterval(interval_ms)
        self._ticker.timeout.connect(self.tick)
        self._glow = QTimer(self)
        self._glow.setObjectName("board-highlight")
        self._glow.setInterval(GLOW_MS)
        self._glow.timeout.connect(self._fade)
        self._window: QWidget | None = None

        model.columnsReset.connect(self._rebuild)
        model.columnAdded.connect(self._insert_column)
        model.fillStarted.connect(self._on_fill_started)
        model.workloadChanged.connect(self.refresh_headers)
        model.highlightsChanged.connect(self._on_highlights)
        self._rebuild()

    def sizeHint(self) -> QSize:
        # room for a header and a few cards per column when docked below the queue, and
        # for the ticket pane's clocks above it on a laptop's screen
        return QSize(COLUMN_WIDTH * 4, default_dock_height(self))

    # ------------------------------------------------------------------ queries

    @property
    def model(self) -> BoardModel:
        return self._model

    @property
    def columns(self) -> list[BoardColumnWidget]:
        return list(self._columns)

    def column_widget(self, assignee_id: int | None) -> BoardColumnWidget | None:
        return next((c for c in self._columns if c.info.assignee_id == assignee_id), None)

    def view_of(self, assignee_id: int | None) -> BoardColumnView | None:
        column = self.column_widget(assignee_id)
        return column.view if column is not None else None

    @property
    def ticking(self) -> bool:
        return self._ticker.isActive()

    @property
    def glowing(self) -> bool:
        return self._glow.isActive()

    def current_view(self) -> BoardColumnView | None:
        """The column the user last worked in (focus or selection)."""
        focus = self.focusWidget()
        if isinstance(focus, BoardColumnView):
            return focus
        return self._last_view

    def selected_tickets(self) -> list[tuple[int, int]]:
        view = self.current_view()
        return view.selected_tickets() if view is not None else []

    # ------------------------------------------------------------------ building

    @Slot()
    def _rebuild(self) -> None:
        for column in self._columns:
            self._row.removeWidget(column)
            column.deleteLater()
        self._columns = []
        self._last_view = None
        for at, model in enumerate(self._model.columns):
            self._add_column_widget(at, model)
        self._row.activate()  # the scroll area learns the new width now, not after a paint
        self.refresh_headers()

    @Slot(int)
    def _on_fill_started(self, tickets: int) -> None:
        self._filling = tickets  # said until the fill ends (refresh_headers)
        self._summary.setText(f"Putting {tickets:,} open tickets on the board…")

    @Slot(int)
    def _insert_column(self, at: int) -> None:
        self._add_column_widget(at, self._model.columns[at])
        self._row.activate()
        self.refresh_headers()

    def _add_column_widget(self, at: int, model: BoardColumnModel) -> None:
        column = BoardColumnWidget(model, self._delegate, self._container)
        self._columns.insert(at, column)
        self._row.insertWidget(at, column)
        view = column.view
        view.neighbourRequested.connect(lambda step, v=view: self._focus_neighbour(v, step))
        view.contextMenuWanted.connect(lambda pos, v=view: self.contextMenuWanted.emit(v, pos))
        view.selectionModel().selectionChanged.connect(lambda *_a, v=view: self._touched(v))
        view.installEventFilter(self)

    def _touched(self, view: BoardColumnView) -> None:
        self._last_view = view

    def _focus_neighbour(self, view: BoardColumnView, step: int) -> None:
        views = [c.view for c in self._columns]
        if view not in views:
            return
        at = views.index(view) + step
        if not 0 <= at < len(views):
            return
        target = views[at]
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if target.model().rowCount() and not target.currentIndex().isValid():
            row = min(max(view.currentIndex().row(), 0), target.model().rowCount() - 1)
            target.setCurrentIndex(target.model().index(row, 0))
        self._scroll.ensureWidgetVisible(self._columns[at])

    # ------------------------------------------------------------------ time

    @Slot()
    def tick(self) -> None:
        ranges = {c.info.assignee_id: c.view.visible_rows() for c in self._columns}
        self._model.tick(ranges)

    @Slot()
    def refresh_headers(self) -> None:
        for column in self._columns:
            column.refresh(self._model)
        if self._model.filling:
            self._summary.setText(f"Putting {self._filling:,} open tickets on the board…")
            return
        total = self._model.total()
        people = sum(1 for c in self._columns if not c.info.is_unassigned)
        self._summary.setText(f"{total:,} open tickets · {people} people")

    def stop(self) -> None:
        self._ticker.stop()
        self._glow.stop()

    def _shown(self) -> bool:
        window = self.window()
        return self.isVisible() and not window.isMinimized()

    def _resume(self) -> None:
        if self._shown():
            self.tick()
            self._ticker.start()
            if self._model.highlighted():
                self._glow.start()

    @Slot(bool)
    def _on_highlights(self, any_left: bool) -> None:
        if any_left and self._shown():
            self._glow.start()
        elif not any_left:
            self._glow.stop()

    @Slot()
    def _fade(self) -> None:
        if not self._model.fade_highlights():
            self._glow.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self._window:
            if self._window is not None:
                self._window.removeEventFilter(self)
            self._window = window
            window.installEventFilter(self)
        self._resume()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.WindowStateChange:
            if self._window is not None and self._window.isMinimized():
                self.stop()
            else:
                self._resume()
        elif isinstance(watched, BoardColumnView) and kind == QEvent.Type.FocusIn:
            self._last_view = watched
        return False


# ---------------------------------------------------------------------------------- assigning


class Dispatcher(QObject):
    """The assignment path: drops, "Assign to…", the card menu; undo and redo go through
    the session's undo history like every other command."""

    applied = Signal(object)  # Outcome, once its cards moved
    refused = Signal(str, str)  # title, message

    def __init__(self, session: DeskSession, board: BoardModel, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._board = board
        self._dialog: AssignDialog | None = None
        session.undo_history.failed.connect(self._on_history_failed)
        session.undo_history.succeeded.connect(self._on_history_done)

    # ------------------------------------------------------------------ requests

    def request(self, tickets: list[tuple[int, int]], assignee_id: int | None) -> bool:
        """Assign ``tickets`` ((id, version) as dragged) to ``assignee_id``. True when the
        write was queued; False when refused here (the user was told) or declined."""
        session = self._session
        me = session.me
        if me is None or me.id is None:
            self._refuse(
                "Cannot assign",
                "Nobody is signed in at this desk. Choose who you are under 'Signed in as' "
                "in the status bar, then drop the tickets again.",
            )
            return False
        tickets = list(dict(tickets).items())
        if not tickets:
            return False
        column = self._board.column(assignee_id)
        name = column.info.name if column is not None and assignee_id is not None else None
        if assignee_id is not None and (column is None or not column.info.active):
            who = name or f"Technician {assignee_id}"
            self._refuse(
                "Cannot assign",
                f"{who} is inactive and cannot take tickets; pick an active technician.",
            )
            return False
        stale = self._known_stale(tickets)
        if stale:
            listed = ", ".join(stale)
            self._refuse(
                "Nothing was assigned",
                f"{listed} changed after you picked {'it' if len(stale) == 1 else 'them'} "
                "up. Nothing was assigned; the board shows the latest state — drag again.",
            )
            return False
        refusal = self._refusal(tickets, assignee_id)
        if refusal is not None:
            self._refuse("Not allowed", f"Nothing was assigned: {refusal}")
            return False
        if not self._confirm_outages(tickets, assignee_id):
            return False
        numbers = [self._number(tid) for tid, _v in tickets]
        label = assign_label(numbers, name)
        command = Reassign.to(dict(tickets), assignee_id, actor_id=me.id, at=session.service.now())

        def done(outcome: Outcome) -> None:
            self._board.highlight(sorted(outcome.after))
            self.applied.emit(outcome)
            if outcome.after:
                session.undo_history.push(outcome, label)
                self._status(f"{label}: done. Ctrl+Z undoes.")
            else:
                self._status(f"Nothing to move: the tickets are already with {name or 'nobody'}.")

        session.service.execute(
            command, done, lambda exc: self._failed(label, exc, dict(tickets)), label=label
        )
        self._status(f"{label}…")
        return True

    @Slot(str, object, object)
    def _on_history_failed(self, label: str, command: object, exc: BaseException) -> None:
        """An undone or redone drop that could not apply (the pane of the ticket, or a
        message, tells the person; the board says it in its own words too)."""
        if not isinstance(command, Reassign):
            return
        title = f"{label}: not possible"
        message = (
            f"{exc}\n\nThis step was taken off the undo history; the tickets stay as they are."
        )
        self._status(f"{title}: {str(exc).splitlines()[0]}")
        self.refused.emit(title, message)

    @Slot(str, object)
    def _on_history_done(self, label: str, outcome: Outcome) -> None:
        if isinstance(outcome.command, Reassign) and outcome.after:
            self._board.highlight(sorted(outcome.after))
            self.applied.emit(outcome)

    def _refusal(self, tickets: Sequence[tuple[int, int]], assignee_id: int | None) -> str | None:
        """Why the signed-in person may not make this move (the store's own rule)."""
        me = self._session.me
        target = self._board.technician(assignee_id) if assignee_id is not None else None
        if assignee_id is not None and target is None and me is not None and me.id == assignee_id:
            target = me
        for ticket_id, _version in tickets:
            entry = self._entry(ticket_id)
            if entry is None:
                continue
            refusal = assignment_refusal(
                me,
                entry.assignee_id,
                target,
                ticket=entry.number,
                current_name=entry.assignee_name,
            )
            if refusal is not None:
                return str(refusal)
        return None

    # ------------------------------------------------------------------ "Assign to…"

    def targets(self, tickets: Sequence[tuple[int, int]]) -> list[AssignTarget]:
        """Where the signed-in person may send the tickets: "Unassigned" and every active
        person the rule allows, with workload and shift; the column every ticket already
        sits in is marked."""
        holders = {self._holder(tid) for tid, _v in tickets}
        result = []
        for column in self._board.columns:
            info = column.info
            if not info.active:
                continue
            if info.assignee_id not in holders and self._refusal(tickets, info.assignee_id):
                continue
            workload = self._board.workload(info.assignee_id)
            shift = self._board.shift(info.assignee_id)
            bits = []
            if shift is not None:
                bits.append(shift.text)
            elif info.is_unassigned:
                bits.append("back to the pool")
            bits.append(workload.text)
            result.append(
                AssignTarget(
                    info.assignee_id,
                    info.name,
                    " · ".join(bits),
                    off_shift=shift is not None and not shift.on_shift,
                    current=holders == {info.assignee_id},
                )
            )
        return result

    def open_assign_dialog(
        self, tickets: Sequence[tuple[int, int]], parent: QWidget
    ) -> AssignDialog | None:
        """The keyboard path: pick a person for ``tickets`` (non-blocking dialog)."""
        tickets = list(tickets)
        if not tickets:
            self._status("Select one or more tickets first (in the queue or on the board).")
            return None
        if not self._board.loaded:
            self._status("The dispatch board is still loading; try again in a moment.")
            return None
        numbers = [self._number(t) for t, _v in tickets]
        what = numbers[0] if len(numbers) == 1 else f"{len(numbers)} tickets"
        if self._dialog is not None:
            self._dialog.close()
        me = self._session.me
        note = (
            ""
            if is_lead(me)
            else "As a technician you may take unassigned tickets and hand yours back; "
            "a dispatcher or manager moves tickets to anyone else."
        )
        dialog = AssignDialog(self.targets(tickets), what=what, note=note, parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.targetChosen.connect(lambda target: self.request(tickets, target.assignee_id))
        dialog.destroyed.connect(self._forget_dialog)
        self._dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _forget_dialog(self) -> None:
        self._dialog = None

    # ------------------------------------------------------------------ helpers

    def _entry(self, ticket_id: int) -> QueueEntry | None:
        return self._board.entry(ticket_id) or self._session.model.entry(ticket_id)

    def _number(self, ticket_id: int) -> str:
        entry = self._entry(ticket_id)
        return entry.number if entry is not None else f"ticket {ticket_id}"

    def _holder(self, ticket_id: int) -> int | str | None:
        entry = self._entry(ticket_id)
        return entry.assignee_id if entry is not None else "unknown"

    def _known_stale(self, tickets: Iterable[tuple[int, int]]) -> list[str]:
        stale = []
        for ticket_id, version in tickets:
            entry = self._entry(ticket_id)
            if entry is not None and entry.version != version:
                stale.append(entry.number)
        return stale

    def _confirm_outages(self, tickets: list[tuple[int, int]], assignee_id: int | None) -> bool:
        if assignee_id is None:
            return True
        technician = self._board.technician(assignee_id)
        if technician is None:
            return True
        now = self._board.now_utc()
        waits = off_shift_after(technician, now)
        if waits is None:
            return True
        outages = [
            e.number
            for e in (self._entry(t) for t, _v in tickets)
            if e is not None and e.category == OUTAGE_CATEGORY
        ]
        if not outages:
            return True
        shift = self._board.shift(assignee_id)
        local = f"{shift.local:%H:%M}" if shift is not None else "now"
        listed = ", ".join(outages)
        one = len(outages) == 1
        what = f"{listed} is an outage and needs" if one else f"{listed} are outages and need"
        starts = format_remaining(waits.total_seconds())
        return self._session.ask(
            "Assign an outage off shift?",
            f"{technician.name} is off shift: it is {local} in {technician.timezone}, and "
            f"the shift ({technician.shift_start}–{technician.shift_end}) starts in "
            f"{starts}.\n\n{what} attention now. Assign to {technician.name} anyway?",
        )

    def _failed(
        self,
        label: str,
        exc: BaseException,
        tickets: dict[int, int],
        *,
        undoing: bool = False,
    ) -> None:
        if isinstance(exc, StaleTicketsError):
            title = "Nothing was assigned" if not undoing else f"{label}: not possible"
        elif isinstance(exc, ConflictError):
            title = "Nothing was assigned"
        elif isinstance(exc, PermissionDeniedError):
            title = "Not allowed"
        elif isinstance(exc, ValidationError):
            title = "Cannot assign"
        else:
            title = f"{label} failed"
        self._refuse(title, str(exc))
        if isinstance(exc, ConflictError):
            # show the latest state of what others changed
            self._session.service.refresh_tickets(list(tickets))

    def _refuse(self, title: str, message: str) -> None:
        self._status(f"{title}: {message.splitlines()[0]}")
        self.refused.emit(title, message)
        self._session.tell(title, message)

    def _status(self, text: str) -> None:
        self._session.window.statusBar().showMessage(text, 6000)


# ---------------------------------------------------------------------------------- panel


def room_for_docked_board(screen_height: int) -> bool:
    """Whether a screen this tall has room for the board docked below the queue while the
    ticket pane keeps its clocks in view (a 1366x768 laptop has not: there the board
    starts closed; Ctrl+Shift+D opens it, floating or docked)."""
    return screen_height >= BOARD_DOCKED_SCREEN


def default_dock_height(window: QWidget, screen_height: int | None = None) -> int:
    """The board's first height when docked: a share of the screen (``screen_height``, by
    default the window's), so that the ticket pane above it keeps its clocks in view; at
    most :data:`DOCK_HEIGHT`."""
    screen = window.screen()
    height = screen_height
    if height is None:
        height = screen.availableGeometry().height() if screen is not None else 1080
    return max(DOCK_MIN_HEIGHT, min(DOCK_HEIGHT, round(height * DOCK_SHARE)))


class DispatchBoardPanel(QObject):
    """The dispatch board attached to a session (dock, menus, live feed, undo)."""

    def __init__(
        self,
        session: DeskSession,
        *,
        now: Callable[[], float] = time.time,
        icons: dict[RowState, QIcon] | None = None,
        interval_ms: int = TICK_MS,
    ) -> None:
        super().__init__(session)
        self.setObjectName("dispatchBoardPanel")
        self._session = session
        window = session.window
        self.model = BoardModel(self, now=now)
        self.board = DispatchBoard(
            self.model, icons=icons if icons is not None else state_icons(), interval_ms=interval_ms
        )
        self.dock = QDockWidget("Dispatch board", window)
        self.dock.setObjectName("dispatchBoardDock")
        self.dock.setWidget(self.board)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.dock.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea
        )
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        # where the dispatcher left it (or floated it); else a share of the screen
        self.restored = bool(
            window.restoreDockWidget(self.dock) and getattr(window, "layout_restored", False)
        )
        if not self.restored:
            window.resizeDocks([self.dock], [default_dock_height(window)], Qt.Orientation.Vertical)

        self.dispatcher = Dispatcher(session, self.model, self)
        self.model.set_drop_handler(self.dispatcher.request)
        self._add_actions()

        self.board.contextMenuWanted.connect(self._card_menu)
        # a closed board costs nothing: it is filled from the queue when first shown
        self._ready = False
        self._filled = False
        self.dock.visibilityChanged.connect(self._on_dock_shown)
        session.ready.connect(self._on_ready)
        session.service.changed.connect(self._on_changed)

    # ------------------------------------------------------------------ menus & actions

    def _add_actions(self) -> None:
        window = self._session.window
        self.assign_action = QAction("&Assign to…", self)
        self.assign_action.setObjectName("actionAssignTo")
        self.assign_action.setShortcut(QKeySequence(ASSIGN_SHORTCUT))
        self.assign_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.assign_action.setToolTip("Assign the selected tickets (queue or board) to someone")
        self.assign_action.triggered.connect(self.assign_selected)
        window.addAction(self.assign_action)
        self.board.addAction(self.assign_action)  # also when the board floats on its own
        edit = window.findChild(QMenu, "menuEdit")
        if edit is not None:
            edit.addSeparator()
            edit.addAction(self.assign_action)

        toggle = self.dock.toggleViewAction()
        toggle.setText("&Dispatch board")
        toggle.setObjectName("actionDispatchBoard")
        toggle.setShortcut(QKeySequence(BOARD_SHORTCUT))
        window.addAction(toggle)
        view_menu = window.findChild(QMenu, "menuView")
        if view_menu is None:
            view_menu = window.menuBar().addMenu("&View")
            view_menu.setObjectName("menuView")
        view_menu.addAction(toggle)

    def selected_tickets(self) -> list[tuple[int, int]]:
        """The tickets "Assign to…" acts on: the board's selection when the board has the
        focus (or the queue has none), else the queue's selected rows."""
        queue = self._session.window.queue_view
        queue_focus = queue.hasFocus()
        board_rows = self.board.selected_tickets()
        board_focus = self.board.isAncestorOf(self.board.focusWidget() or self.board)
        if board_rows and (board_focus or not queue_focus):
            return board_rows
        return _queue_selection(queue)

    @Slot()
    def assign_selected(self) -> AssignDialog | None:
        return self.dispatcher.open_assign_dialog(self.selected_tickets(), self.board.window())

    @Slot(object, QPoint)
    def _card_menu(self, view: BoardColumnView, where: QPoint) -> None:
        menu = self.card_menu(view)
        if menu is not None:
            menu.popup(where)

    def card_menu(self, view: BoardColumnView) -> QMenu | None:
        """The context menu of the selected cards: Assign to…, take, move to, unassign."""
        tickets = view.selected_tickets()
        model = view.column_model()
        if not tickets or model is None:
            return None
        menu = QMenu(view)
        menu.setObjectName("boardCardMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.assign_action)
        here = model.info.assignee_id
        me = self._session.me
        if me is not None and me.id != here:
            take = menu.addAction("Take (assign to me)")
            take.triggered.connect(lambda: self.dispatcher.request(tickets, me.id))
        move = menu.addMenu("Move to")
        for target in self.dispatcher.targets(tickets):
            if target.assignee_id == here:
                continue
            action = move.addAction(menu_text(target.label))
            action.setToolTip(plain_tooltip(target.detail))
            action.triggered.connect(
                lambda _checked=False, t=target.assignee_id: self.dispatcher.request(tickets, t)
            )
        if here is not None:
            unassign = menu.addAction("Unassign")
            unassign.triggered.connect(lambda: self.dispatcher.request(tickets, None))
        return menu

    # ------------------------------------------------------------------ the feed

    @Slot()
    def _on_ready(self) -> None:
        self._ready = True
        if self.dock.isHidden():
            return  # the technician closed the board: fill it when it is opened again
        self._fill()

    def _fill(self) -> None:
        # The session lists every active technician; anyone else who still holds open
        # tickets gets a column marked inactive (their tickets can be dragged away).
        # The queue's rows carry the sort keys it worked out off the GUI thread: shared.
        # Sorting them into columns takes a while on a large desk: it runs in short steps
        # between the events of the GUI thread (see BoardModel.fill).
        self._filled = True
        self.model.fill(self._session.model.rows(), self._session.technicians)

    @Slot(bool)
    def _on_dock_shown(self, visible: bool) -> None:
        if visible and self._ready and not self._filled:
            self._fill()

    @Slot(object)
    def _on_changed(self, change: DeskChange) -> None:
        """Cards move between columns as the desk's tickets change (here or elsewhere)."""
        if change.everything and self._filled:
            self._filled = False
            self._ready = False  # the session's reload refills the board when it is ready
            return
        if not self._filled or not change.entries:
            return
        with self.model.batch():
            for ticket_id, entry in change.entries.items():
                if entry is None:
                    self.model.remove(ticket_id)
                else:
                    self.model.upsert(entry)

    def stop(self) -> None:
        self.model.cancel_fill()
        self.board.stop()


def _queue_selection(view: QTableView) -> list[tuple[int, int]]:
    selection = view.selectionModel()
    if selection is None:
        return []
    tickets: dict[int, int] = {}
    for index in selection.selectedRows():
        entry = index.data(ENTRY_ROLE)
        if isinstance(entry, QueueEntry):
            tickets[entry.ticket_id] = entry.version
    if not tickets:
        current = view.currentIndex()
        entry = current.data(ENTRY_ROLE) if current.isValid() else None
        if isinstance(entry, QueueEntry):
            tickets[entry.ticket_id] = entry.version
    return list(tickets.items())


def attach_dispatch_board(session: DeskSession) -> DispatchBoardPanel:
    """The composition root's one line: the dispatch board docked in the session's window
    (closed at first on a screen too short for it and the ticket pane, see
    :func:`room_for_docked_board`; afterwards as the dispatcher left it)."""
    panel = DispatchBoardPanel(session)
    screen = session.window.screen()
    height = screen.availableGeometry().height() if screen is not None else 0
    if not panel.restored and screen is not None and not room_for_docked_board(height):
        panel.dock.hide()
    return panel


__all__ = [
    "BoardColumnView",
    "BoardColumnWidget",
    "CardDelegate",
    "DispatchBoard",
    "DispatchBoardPanel",
    "Dispatcher",
    "assign_label",
    "attach_dispatch_board",
    "default_dock_height",
    "queue_entries",
    "room_for_docked_board",
]
