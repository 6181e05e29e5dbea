"""The ticket's timeline, where a long message is read whole, in place.

A closed entry shows what happened and the first lines of its text. Clicking it (or Enter
or Space on it) opens it: below its headline the whole text appears in a read-only box,
where it can be selected and copied, up to :data:`MOST_LINES` lines tall (a longer text
scrolls inside the box, so a 100,000-character reply never buries the timeline). Clicking
the headline, Escape in the box, or Enter again closes it. Ctrl+C on the list copies the
current entry whole; the right-click menu does the same.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import (
    QContextMenuEvent,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QListView,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.models.timeline_model import COPY_ROLE, EXPANDED_ROLE, TEXT_ROLE, TimelineModel

__all__ = ["MOST_LINES", "TimelineDelegate", "TimelineView"]

MOST_LINES = 18  # an open entry's box; a longer text scrolls inside it
_MEASURED_CHARS = 6000  # longer texts fill the box without being measured
_BOX_MARGIN = 6

_Index = QModelIndex | QPersistentModelIndex


class TimelineDelegate(QStyledItemDelegate):
    """Paints entries; an open entry gets a read-only text box (its persistent editor)."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self._view = view

    def _text_height(self, text: str, width: int, metrics: QFontMetrics) -> int:
        most = MOST_LINES * metrics.lineSpacing()
        if len(text) > _MEASURED_CHARS:
            return most
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        bounds = metrics.boundingRect(QRect(0, 0, max(40, width), 1 << 24), flags, text)
        return min(most, bounds.height() + metrics.lineSpacing())

    def _headline_height(self, option: QStyleOptionViewItem, index: _Index) -> int:
        return super().sizeHint(option, index).height()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if not index.data(EXPANDED_ROLE):
            super().paint(painter, option, index)
            return
        # an open entry: its headline on top, the box with its text below (an editor)
        top = QStyleOptionViewItem(option)
        top.rect = QRect(option.rect)
        top.rect.setHeight(self._headline_height(option, index))
        super().paint(painter, top, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        if not index.data(EXPANDED_ROLE):
            return size
        text = index.data(TEXT_ROLE) or ""
        width = self._view.viewport().width() - 2 * _BOX_MARGIN - 24
        box = self._text_height(text, width, QFontMetrics(self._view.font())) + 2 * _BOX_MARGIN
        return QSize(size.width(), size.height() + box)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        box = QPlainTextEdit(parent)
        box.setObjectName("timelineText")
        box.setReadOnly(True)
        box.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        box.setAccessibleName("Whole text of the timeline entry")
        return box

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        if isinstance(editor, QPlainTextEdit):
            text = index.data(TEXT_ROLE) or ""
            if editor.toPlainText() != text:
                editor.setPlainText(text)

    def setModelData(self, editor: QWidget, model: object, index: _Index) -> None:
        """Read only: nothing goes back to the timeline."""

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: _Index
    ) -> None:
        rect = option.rect
        top = rect.top() + self._headline_height(option, index)
        editor.setGeometry(
            rect.left() + 24, top, rect.width() - 24 - _BOX_MARGIN, rect.bottom() - top - 2
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The box is for reading: keys move and select in it; Escape closes the entry.
        # (The default filter would commit and close an editor on Tab, Enter or focus out.)
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and isinstance(watched, QWidget)
        ):
            self._view.close_box(watched)
            return True
        return False


class TimelineView(QListView):
    """See the module docstring. Shows a :class:`TimelineModel`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # entries re-wrap when it is resized
        self.setAlternatingRowColors(True)
        self.setSpacing(1)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._delegate = TimelineDelegate(self)
        self.setItemDelegate(self._delegate)
        self.clicked.connect(self._toggle)

    def setModel(self, model: object) -> None:
        if not isinstance(model, TimelineModel):
            raise TypeError(f"TimelineView shows a TimelineModel, not {type(model).__name__}")
        super().setModel(model)
        # (a model reset, another ticket, drops the boxes: Qt releases every editor)
        model.dataChanged.connect(self._follow_expansion)

    def timeline(self) -> TimelineModel:
        model = self.model()
        assert isinstance(model, TimelineModel)
        return model

    # ------------------------------------------------------------------ opening

    def set_open(self, row: int, expanded: bool) -> None:
        """Open (or close) the entry at ``row``."""
        self.timeline().set_expanded(row, expanded)

    def _toggle(self, index: QModelIndex) -> None:
        if index.isValid():
            self.timeline().toggle_expanded(index.row())

    def _follow_expansion(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        model = self.timeline()
        for row in range(top_left.row(), bottom_right.row() + 1):
            index = model.index(row)
            is_open = bool(model.data(index, EXPANDED_ROLE))
            if is_open and not self.isPersistentEditorOpen(index):
                self.openPersistentEditor(index)
            elif not is_open and self.isPersistentEditorOpen(index):
                self.closePersistentEditor(index)
            else:
                continue
            self._delegate.sizeHintChanged.emit(index)  # the entry grows or shrinks
            if is_open:
                self.scrollTo(index)

    def close_box(self, box: QWidget) -> None:
        """Escape in an open entry's box: close the entry, keep the list where it was."""
        model = self.timeline()
        for row in range(model.rowCount()):
            index = model.index(row)
            if self.indexWidget(index) is box:
                self.setCurrentIndex(index)
                self.setFocus(Qt.FocusReason.OtherFocusReason)
                model.set_expanded(row, False)
                return

    def open_box(self, row: int) -> QPlainTextEdit | None:
        """The read-only box of an open entry (None while it is closed)."""
        widget = self.indexWidget(self.timeline().index(row))
        return widget if isinstance(widget, QPlainTextEdit) else None

    # ------------------------------------------------------------------ keys & copying

    def copy_current(self) -> str:
        """Copy the current entry whole (headline and text); returns what was copied."""
        index = self.currentIndex()
        if not index.isValid():
            return ""
        text = str(index.data(COPY_ROLE) or "")
        QGuiApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_current()
            return
        index = self.currentIndex()
        if index.isValid() and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Space,
        ):
            self._toggle(index)
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        menu = QMenu(self)
        menu.setObjectName("timelineMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        is_open = bool(index.data(EXPANDED_ROLE))
        toggle = menu.addAction("Close the entry" if is_open else "Read it all")
        toggle.triggered.connect(lambda: self._toggle(index))
        copy = menu.addAction("Copy the entry")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.triggered.connect(self.copy_current)
        menu.popup(event.globalPos())

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        # the boxes are persistent: they close with their entry, not on a delegate's hint
        return
