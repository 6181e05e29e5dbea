"""Stored text is shown as it was typed, never as markup.

Names, subjects, descriptions and notes come from customers and imports. Qt renders a
label or a tooltip as rich text when the text merely *looks* like markup
(``Qt.mightBeRichText``), so "<font size=7>" in a ticket description would restyle the desk
and "<a href=…>" would plant a link that looks like the application's own. Every label that
shows stored text is plain text; where a label needs rich text for its own emphasis, the
stored parts go through :func:`escape_html`; every tooltip goes through
:func:`plain_tooltip`, and every menu entry or button that names something stored through
:func:`menu_text`.
"""

from __future__ import annotations

import html

from PySide6.QtGui import Qt

__all__ = ["escape_html", "menu_text", "plain_tooltip"]


def escape_html(text: str) -> str:
    """``text`` for a rich-text label: its markup shows as typed."""
    return html.escape(text, quote=False)


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shows it, literally.

    A tooltip that Qt would take for rich text is escaped inside a paragraph that keeps
    its line breaks; any other text is returned as it is (a plain tooltip already).
    """
    if not text or not Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{escape_html(text)}</p>"


def menu_text(text: str) -> str:
    """``text`` for a menu entry or button: an "&" in a name shows as typed instead of
    underlining the letter after it."""
    return text.replace("&", "&&")
