"""A customer's monthly SLA statement as a PDF, drawn by Qt (no browser engine).

The statement is laid out as a :class:`QTextDocument` (text stays text in the PDF, so it
can be searched and copied) and printed to a :class:`QPdfWriter` on A4. It holds the
contract and tier, each SLA metric's targets and attainment, the availability against
the target, the service credit with its cap, the open criticism notes, the breached
tickets with their business-time overrun, and the charts of the last six months, drawn
by :mod:`desktop_app.views.report_charts` in the paper style and embedded as images.

Drawing the charts needs a ``QApplication`` (the command line makes one, offscreen). The
file is written beside the target and renamed over it at the end, so a failed export
leaves no half-written PDF; :class:`~desktop_app.interchange.report_csv.ExportError`
says which path and why.
"""

from __future__ import annotations

import html
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from PySide6.QtCharts import QChart
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QGraphicsScene

from desktop_app.domain import Metric, Priority
from desktop_app.interchange.report_csv import ExportError, check_target, floor_to
from desktop_app.sla.clocks import format_duration
from desktop_app.sla.credits import money
from desktop_app.sla.reports import BreachedTicket, Statement, zone_or_utc
from desktop_app.views.report_charts import ChartStyle, trend_charts

__all__ = ["CHART_SIZE", "chart_image", "statement_html", "write_statement_pdf"]

CHART_SIZE = QSizeF(460, 300)  # points of the chart's own layout
_CHART_SCALE = 3.0  # pixels per point of the embedded image: sharp on paper
_CHART_WIDTH = 312  # of the page's ~640 layout pixels: two charts side by side
_METRIC_NAMES = {
    Metric.FIRST_RESPONSE: "First response",
    Metric.NEXT_UPDATE: "Next update",
    Metric.RESOLUTION: "Resolution",
}


def chart_image(chart: QChart, size: QSizeF = CHART_SIZE, scale: float = _CHART_SCALE) -> QImage:
    """``chart`` drawn into an image ``scale`` times its layout ``size``."""
    scene = QGraphicsScene()
    scene.addItem(chart)
    chart.resize(size)
    image = QImage(
        round(size.width() * scale), round(size.height() * scale), QImage.Format.Format_RGB32
    )
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        scene.render(
            painter,
            QRectF(0, 0, image.width(), image.height()),
            QRectF(0, 0, size.width(), size.height()),
        )
    finally:
        painter.end()
    scene.removeItem(chart)
    chart.deleteLater()
    return image


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{floor_to(value, digits):g} %"


def _overrun(breach: BreachedTicket) -> str:
    if breach.overrun_seconds is None:
        return "not recorded (an earlier update cycle)"
    text = format_duration(timedelta(seconds=round(breach.overrun_seconds / 60) * 60))
    return f"at least {text}, still running" if breach.running else text


def _targets(statement: Statement, metric: Metric) -> str:
    policy = statement.policy
    if policy is None:
        return "—"
    parts = []
    for priority in Priority:
        target = policy.targets.get((priority, metric))
        if target is not None:
            parts.append(f"P{priority.rank} {format_duration(target)}")
    return " · ".join(parts) or "—"


_CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; color: #1f2933; }
h1 { font-size: 17pt; margin: 0; }
h2 { font-size: 11.5pt; margin-top: 14px; margin-bottom: 4px; color: #102a43; }
.muted { color: #52606d; }
.miss { color: #b3261e; font-weight: bold; }
.ok { color: #1b7f3b; }
table.grid { border-collapse: collapse; }
table.grid th { background: #eef2f7; text-align: left; padding: 3px 6px; }
table.grid td { padding: 3px 6px; border-bottom: 1px solid #e3e8ef; }
td.num { text-align: right; }
.big { font-size: 13pt; font-weight: bold; }
"""


def statement_html(statement: Statement, chart_urls: list[str]) -> str:
    """The statement's text as the HTML the document lays out; ``chart_urls`` name the
    chart images added to the document."""
    figures = statement.figures
    customer = statement.customer
    contract = figures.contract
    zone = zone_or_utc(figures.zone)
    month_name = f"{statement.month:%B %Y}"
    parts = [f"<html><head><style>{_CSS}</style></head><body>"]
    parts.append(f"<h1>SLA statement — {_e(customer.name)}</h1>")
    parts.append(
        f"<p class='big'>{month_name}" + (" (month so far)" if statement.so_far else "") + "</p>"
        f"<p class='muted'>Prepared {statement.at.astimezone(zone):%d %B %Y %H:%M} "
        f"({_e(figures.zone)}). The month runs in that time zone: "
        f"{figures.start.astimezone(zone):%d %b %Y %H:%M} to "
        f"{figures.end.astimezone(zone):%d %b %Y %H:%M}.</p>"
    )
    if statement.empty:
        parts.append(
            f"<p class='big'>Nothing to report for {month_name}: no ticket was opened, no "
            "SLA clock was decided, no SLA metric breached and there was no downtime.</p>"
        )

    parts.append("<h2>Contract</h2>")
    if contract is None:
        parts.append(
            f"<p>{_e(customer.name)} has no contract on file: no SLA targets, no service "
            f"credit. Tier: {_e(customer.tier.value.title())}.</p>"
        )
    else:
        credit_terms = (
            f"{contract.credit_percent_per_breach:g} % of the monthly fee per breached SLA "
            f"metric, capped at {contract.credit_cap_percent:g} % a month"
            if contract.credit_percent_per_breach > 0 and contract.credit_cap_percent > 0
            else f"{contract.credit_percent_per_breach:g} % of the monthly fee per breached "
            "SLA metric, no monthly cap"
            if contract.credit_percent_per_breach > 0
            else "none"
        )
        rows = [
            ("Tier", customer.tier.value.title()),
            ("SLA policy", contract.policy),
            ("Term", f"{contract.starts_on:%d %b %Y} to {contract.ends_on:%d %b %Y}"),
            ("Monthly fee", money(contract.monthly_fee, contract.currency)),
            ("Service credit", credit_terms),
            ("Availability target", f"{contract.availability_target:g} %"),
            (
                "Attainment target",
                f"{contract.attainment_target:g} % of SLA clocks met in time"
                if contract.attainment_target > 0
                else "none set",
            ),
        ]
        parts.append("<table class='grid' width='100%'>")
        parts.extend(f"<tr><th width='28%'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
        parts.append("</table>")

    parts.append("<h2>SLA metrics</h2>")
    parts.append(
        "<table class='grid' width='100%'><tr><th>Metric</th><th>Target by priority "
        "(business time)</th><th class='num'>Met in time</th><th class='num'>Breached</th>"
        "<th class='num'>Attainment</th></tr>"
    )
    target = figures.attainment_target
    for metric in Metric:
        breached = figures.breaches.get(metric, 0)
        if metric is Metric.NEXT_UPDATE:
            met_text, attained = "—", "—"
        else:
            value = (
                figures.first_response if metric is Metric.FIRST_RESPONSE else figures.resolution
            )
            met_text = f"{value.met:,}"
            attained = _percent(value.percent)
            if target is not None and value.percent is not None and value.percent < target:
                attained = f"<span class='miss'>{attained}</span>"
        parts.append(
            f"<tr><td>{_METRIC_NAMES[metric]}</td><td>{_e(_targets(statement, metric))}</td>"
            f"<td class='num'>{met_text}</td><td class='num'>{breached:,}</td>"
            f"<td class='num'>{attained}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        "<p class='muted'>Attainment counts the clocks decided in the month: met in time, or "
        "breached. Next-update cycles are counted when they breach."
        + (f" The contract's target is {target:g} % met in time." if target is not None else "")
        + "</p>"
    )

    parts.append("<h2>Availability</h2>")
    availability = figures.availability
    if availability.percent is None:
        parts.append("<p>The month has not begun.</p>")
    else:
        down = format_duration(timedelta(seconds=round(availability.downtime_seconds / 60) * 60))
        verdict = ""
        if availability.target is not None:
            verdict = (
                f" — <span class='miss'>below the target of {availability.target:g} %</span>"
                if availability.missed
                else f" — <span class='ok'>target of {availability.target:g} % met</span>"
            )
        parts.append(
            f"<p><span class='big'>{_percent(availability.percent, 3)}</span> of the month"
            f"{' so far' if statement.so_far else ''} up{verdict}. Downtime from outage "
            f"tickets: {down}.</p>"
        )

    parts.append("<h2>Service credit</h2>")
    credit = figures.credit
    if credit is None or contract is None:
        parts.append("<p>The contract grants no service credit.</p>")
    else:
        cap = (
            f", capped at {contract.credit_cap_percent:g} % (cap reached)"
            if credit.capped
            else f" (cap {contract.credit_cap_percent:g} %)"
            if contract.credit_cap_percent > 0
            else ""
        )
        parts.append(
            f"<p>{credit.breaches:,} breached SLA metrics × "
            f"{contract.credit_percent_per_breach:g} % = {credit.uncapped_percent:g} %{cap}: "
            f"{credit.percent:g} % of the monthly fee of "
            f"{_e(money(contract.monthly_fee, contract.currency))}.</p>"
            f"<p class='big'>Service credit owed: {_e(money(credit.amount, contract.currency))}"
            "</p>"
        )

    parts.append("<h2>Customer feedback</h2>")
    notes = statement.open_criticism
    parts.append(
        f"<p>{notes} open criticism note{'s' if notes != 1 else ''} at the end of the month"
        f"{' (so far)' if statement.so_far else ''}.</p>"
    )

    parts.append(f"<h2>Breached tickets ({len(statement.breached_tickets):,})</h2>")
    if not statement.breached_tickets:
        parts.append("<p>No SLA metric breached in the month.</p>")
    else:
        parts.append(
            "<table class='grid' width='100%'><tr><th width='12%'>Ticket</th>"
            "<th width='36%'>Subject</th><th width='7%'>Priority</th><th width='13%'>Metric</th>"
            "<th width='14%'>Breached (local time)</th>"
            "<th width='18%'>Overrun (business time)</th></tr>"
        )
        for breach in statement.breached_tickets:
            parts.append(
                f"<tr><td>{_e(breach.number)}</td><td>{_e(breach.subject)}</td>"
                f"<td>P{breach.priority.rank}</td><td>{_METRIC_NAMES[breach.metric]}</td>"
                f"<td>{breach.breached_at.astimezone(zone):%d %b %H:%M}</td>"
                f"<td>{_e(_overrun(breach))}</td></tr>"
            )
        parts.append("</table>")

    first, last = statement.trend.months[0].month, statement.trend.months[-1].month
    parts.append(
        f"<h2>The last {len(statement.trend.months)} months ({first:%B %Y} to {last:%B %Y})</h2>"
    )
    parts.append("<table width='100%' cellspacing='0' cellpadding='2'>")
    for index in range(0, len(chart_urls), 2):
        cells = "".join(
            f"<td width='50%'><img src='{url}' width='{_CHART_WIDTH}'></td>"
            for url in chart_urls[index : index + 2]
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _document(statement: Statement) -> QTextDocument:
    document = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(9)
    document.setDefaultFont(font)
    urls = []
    for index, chart in enumerate(trend_charts(statement.trend, ChartStyle.paper())):
        url = f"chart://statement/{index}"
        document.addResource(
            QTextDocument.ResourceType.ImageResource.value, QUrl(url), chart_image(chart)
        )
        urls.append(url)
    document.setHtml(statement_html(statement, urls))
    return document


def write_statement_pdf(statement: Statement, path: str | Path) -> Path:
    """Write ``statement`` as a PDF at ``path``, whole or not at all; returns the path."""
    target = check_target(path)
    folder = target.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise ExportError(
            f"Cannot write {target}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc
    try:
        document = _document(statement)
        writer = QPdfWriter(temporary)
        writer.setTitle(f"SLA statement — {statement.customer.name} — {statement.month:%B %Y}")
        writer.setCreator("Technician Queue")
        writer.setResolution(300)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),  # QTextDocument.print_ keeps 2 cm itself
                QPageLayout.Unit.Millimeter,
            )
        )
        document.print_(writer)
        del writer  # flushes and closes the file
        if os.path.getsize(temporary) == 0:
            raise ExportError(f"Cannot write {target}: Qt wrote an empty PDF.")
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(
            f"Cannot write {target}: {exc.strerror or exc}. Choose a folder you can write to, "
            "or close the file if another program has it open."
        ) from exc
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target
