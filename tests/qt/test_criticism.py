"""Criticism notes: add, edit and resolve through the customer pane; a note without words
or with a follow-up date in the past is refused inline; the list model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate

from desktop_app.domain import CriticismNote, FeedbackSource, Sentiment, ValidationError
from desktop_app.domain.commands import AddCriticism
from desktop_app.models.criticism_model import NOTE_ROLE, CriticismModel, sort_notes
from desktop_app.store.apply import HANDLERS
from desktop_app.views.criticism import CriticismDialog
from support.detail_desk import NOW, WAIT, Desk, show


def customer_without_complaints(desk: Desk) -> int:
    """A ticket whose customer has no open negative note yet."""
    negative = {
        n.customer_id
        for n in desk.store.criticism_notes(open_only=True)
        if n.sentiment is Sentiment.NEGATIVE
    }
    return next(
        desk.model.entry_at(r).ticket_id
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).customer_id not in negative
    )


def open_dialog(qtbot: Any, desk: Desk, ticket_id: int) -> CriticismDialog:
    show(qtbot, desk, ticket_id)
    desk.panel.customer_pane.criticism.add_button.click()
    dialog = desk.panel.criticism_dialog
    assert isinstance(dialog, CriticismDialog)
    return dialog


def test_a_complaint_is_added_shown_first_and_badged_in_the_queue(qtbot: Any, desk: Desk) -> None:
    tid = customer_without_complaints(desk)
    entry = desk.model.entry(tid)
    assert entry is not None and entry.open_negative_criticism == 0
    dialog = open_dialog(qtbot, desk, tid)
    assert dialog.sentiment_combo.currentData() == Sentiment.NEGATIVE.value  # from a ticket
    assert dialog.ticket_combo.currentData() == tid  # linked to the ticket shown
    dialog.source_combo.setCurrentIndex(dialog.source_combo.findData("phone"))
    dialog.text_edit.setPlainText("Nobody called back after the outage.")
    owner = next(t for t in desk.session.technicians if t.name == "Sophie Wagner")
    dialog.owner_combo.setCurrentIndex(dialog.owner_combo.findData(owner.id))
    dialog.due_check.setChecked(True)
    dialog.due_edit.setDate(QDate(2026, 11, 30))
    with qtbot.waitSignal(desk.panel.criticismSaved, timeout=WAIT) as saved:
        dialog.buttons.accepted.emit()
    note = saved.args[0]
    assert isinstance(note, CriticismNote) and note.id is not None
    stored = [n for n in desk.store.criticism_notes(entry.customer_id) if n.id == note.id]
    assert stored and stored[0].text == "Nobody called back after the outage."
    assert stored[0].follow_up_owner_id == owner.id
    assert stored[0].follow_up_due == date(2026, 11, 30)
    assert stored[0].ticket_id == tid and stored[0].source is FeedbackSource.PHONE
    assert desk.store.audit_log("criticism", note.id)[0].action == "add_criticism"
    queued = desk.model.entry(tid)
    assert queued is not None and queued.open_negative_criticism == 1  # the badge
    qtbot.waitUntil(lambda: not desk.panel.loading, timeout=WAIT)
    pane = desk.panel.customer_pane
    assert not pane.complaints.isHidden() and "Nobody called back" in pane.complaints.text()
    assert pane.criticism.model.note_at(0).id == note.id
    assert desk.panel.criticism_dialog is None  # closed once saved


def test_a_note_without_words_is_refused_inline(qtbot: Any, desk: Desk) -> None:
    dialog = open_dialog(qtbot, desk, desk.model.ticket_id_at(0))
    before = len(desk.store.criticism_notes())
    dialog.text_edit.setPlainText("   ")
    dialog.submit()
    assert not dialog.error_label.isHidden()
    assert "needs their words" in dialog.error_label.text()
    assert len(desk.store.criticism_notes()) == before
    assert dialog.isVisible() or desk.panel.criticism_dialog is dialog
    dialog.reject()


def test_a_follow_up_date_in_the_past_is_refused_and_the_text_kept(qtbot: Any, desk: Desk) -> None:
    dialog = open_dialog(qtbot, desk, desk.model.ticket_id_at(0))
    before = len(desk.store.criticism_notes())
    dialog.text_edit.setPlainText("Invoice shows hours we never used.")
    dialog.due_check.setChecked(True)
    yesterday = (NOW - timedelta(days=1)).date()
    dialog.due_edit.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    with qtbot.assertNotEmitted(dialog.submitted):
        dialog.submit()
    assert "is in the past" in dialog.error_label.text()
    assert dialog.text_edit.toPlainText() == "Invoice shows hours we never used."
    assert len(desk.store.criticism_notes()) == before
    dialog.reject()


def test_a_note_is_edited_and_resolved(qtbot: Any, desk: Desk) -> None:
    with_open_notes = {n.customer_id for n in desk.store.criticism_notes(open_only=True)}
    show(
        qtbot,
        desk,
        next(
            desk.model.entry_at(r).ticket_id
            for r in range(desk.model.rowCount())
            if desk.model.entry_at(r).customer_id in with_open_notes
        ),
    )
    panel = desk.panel.customer_pane.criticism
    row = next(r for r in range(panel.model.rowCount()) if panel.model.note_at(r).is_open)
    note = panel.model.note_at(row)
    assert note.id is not None
    panel.table.setCurrentIndex(panel.model.index(row, 0))
    panel.edit_button.click()
    dialog = desk.panel.criticism_dialog
    assert isinstance(dialog, CriticismDialog) and dialog.text_edit.toPlainText() == note.text
    dialog.text_edit.setPlainText(note.text + " (called back on Tuesday)")
    with qtbot.waitSignal(desk.panel.criticismSaved, timeout=WAIT):
        dialog.submit()
    edited = next(n for n in desk.store.criticism_notes() if n.id == note.id)
    assert edited.text.endswith("(called back on Tuesday)")
    assert desk.store.audit_log("criticism", note.id)[0].action == "edit_criticism"
    qtbot.waitUntil(lambda: not desk.panel.loading, timeout=WAIT)
    panel.select_note(note.id)
    assert panel.resolve_button.isEnabled()
    with qtbot.waitSignal(desk.panel.criticismSaved, timeout=WAIT):
        panel.resolve_button.click()
    resolved = next(n for n in desk.store.criticism_notes() if n.id == note.id)
    assert resolved.resolved_at == NOW
    assert desk.store.audit_log("criticism", note.id)[0].action == "resolve_criticism"


# --------------------------------------------------------------------------- the model

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def notes() -> list[CriticismNote]:
    return [
        CriticismNote(1, T0, FeedbackSource.EMAIL, Sentiment.POSITIVE, "Great help", id=1),
        CriticismNote(
            1,
            T0 + timedelta(days=1),
            FeedbackSource.PHONE,
            Sentiment.NEGATIVE,
            "Slow",
            follow_up_owner_id=7,
            follow_up_due=date(2026, 11, 3),
            id=2,
        ),
        CriticismNote(
            1,
            T0 + timedelta(days=2),
            FeedbackSource.SURVEY,
            Sentiment.NEGATIVE,
            "Rude",
            resolved_at=T0 + timedelta(days=3),
            id=3,
        ),
        CriticismNote(
            1, T0 + timedelta(days=4), FeedbackSource.MEETING, Sentiment.NEUTRAL, "Ok", id=4
        ),
    ]


def test_the_criticism_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = CriticismModel()
    model.set_notes(notes(), {7: "Sophie Wagner"}, date(2026, 11, 10))
    qtmodeltester.check(model, force_py=True)
    assert [model.note_at(r).id for r in range(model.rowCount())] == [2, 4, 1, 3]
    assert model.index(0, 4).data() == "Sophie Wagner"
    assert model.index(0, 5).data() == "03 Nov 2026 (overdue)"
    assert model.index(3, 6).data() == "resolved 04 Nov"
    assert model.index(0, 0).data(NOTE_ROLE).text == "Slow"
    assert [n.id for n in model.open_negative()] == [2]


def test_open_negative_notes_sort_first() -> None:
    assert [n.id for n in sort_notes(notes())] == [2, 4, 1, 3]


def test_a_refusal_after_the_dialog_was_closed_still_says_so_with_the_words(
    qtbot: Any, desk: Desk, monkeypatch: Any
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> CriticismNote:
        raise ValidationError("The customer's contract has ended; ask a manager to renew it.")

    monkeypatch.setitem(HANDLERS, AddCriticism, refuse)
    dialog = open_dialog(qtbot, desk, customer_without_complaints(desk))
    words = "Waited two days for a call back about the broken scanner."
    dialog.text_edit.setPlainText(words)
    dialog.submit()
    dialog.reject()  # Escape while the note is being saved
    qtbot.waitUntil(lambda: bool(desk.problems), timeout=WAIT)
    title, message = desk.problems[-1]
    assert "criticism note" in title.lower()
    assert "contract has ended" in message and words in message


def test_an_error_goes_as_soon_as_the_form_is_valid(qtbot: Any, desk: Desk) -> None:
    dialog = open_dialog(qtbot, desk, desk.model.ticket_id_at(0))
    dialog.text_edit.setPlainText("")
    dialog.submit()
    assert "needs their words" in dialog.error_label.text()
    dialog.text_edit.setPlainText("Nobody called back")
    assert dialog.error_label.isHidden()  # the words are there: no stale message

    dialog.due_check.setChecked(True)
    yesterday = (NOW - timedelta(days=1)).date()
    dialog.due_edit.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    dialog.submit()
    assert "is in the past" in dialog.error_label.text()
    dialog.text_edit.setPlainText("Nobody called back, twice")  # still a past date
    assert not dialog.error_label.isHidden() and "is in the past" in dialog.error_label.text()
    dialog.text_edit.setPlainText("")  # now two problems: it names the first one
    assert "needs their words" in dialog.error_label.text()
    dialog.text_edit.setPlainText("Nobody called back, twice")
    today = NOW.date()
    dialog.due_edit.setDate(QDate(today.year, today.month, today.day))
    assert dialog.error_label.isHidden()

    dialog.show_error("The follow-up owner has left the desk.")  # the store refused it
    dialog.owner_combo.setCurrentIndex(dialog.owner_combo.currentIndex() + 1)  # someone else
    assert dialog.error_label.isHidden()
    dialog.reject()
