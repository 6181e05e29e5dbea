"""The SLA report's charts, drawn with Qt Charts: for the trends tab, the technicians tab
and the customer statement's PDF.

Each builder takes the report's plain records and a :class:`ChartStyle` and returns a
:class:`QChart` with axis titles that carry the unit, a legend, and the exact figure of
every point or bar as a tooltip (kept on the series or bar set as the ``tips`` property,
one text per month or day, and shown while the pointer is over it). The style follows the
desk's palette: a dark window gets the dark chart theme and lighter series colours; the
PDF uses :meth:`ChartStyle.paper`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
    QXYSeries,
)
from PySide6.QtCore import QMargins, QObject, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPalette, QPen
from PySide6.QtWidgets import QToolTip

from desktop_app.models.plain_text import escape_html, plain_tooltip
from desktop_app.sla.credits import money
from desktop_app.sla.reports import Trend, TrendMonth
from desktop_app.sla.technicians import TechnicianReport

__all__ = [
    "CATEGORY_BARS",
    "ChartStyle",
    "attainment_chart",
    "availability_chart",
    "breaches_chart",
    "credit_chart",
    "load_chart",
    "tips_of",
    "trend_charts",
]

CATEGORY_BARS = 6  # categories drawn by name; the rest are summed as "other"

_LIGHT_SERIES = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037")
_DARK_SERIES = ("#64b5f6", "#81c784", "#ffb74d", "#ce93d8", "#4dd0e1", "#f48fb1", "#bcaaa4")


@dataclass(frozen=True, slots=True)
class ChartStyle:
    """Colours of the charts: background, text, grid, series, target line."""

    dark: bool
    background: QColor
    text: QColor
    grid: QColor
    series: tuple[QColor, ...]
    target: QColor
    point_size: float | None = None  # of every text in the chart; None: the widgets' own

    @classmethod
    def from_palette(cls, palette: QPalette) -> ChartStyle:
        """The desk's light or dark look, from the palette the widgets draw with."""
        window = palette.color(QPalette.ColorRole.Window)
        dark = window.lightness() < 128
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(50)
        return cls(
            dark=dark,
            background=palette.color(QPalette.ColorRole.Base),
            text=text,
            grid=grid,
            series=tuple(QColor(c) for c in (_DARK_SERIES if dark else _LIGHT_SERIES)),
            target=QColor("#e0e0e0" if dark else "#37474f"),
        )

    @classmethod
    def paper(cls) -> ChartStyle:
        """Black on white, for the printed statement."""
        return cls(
            dark=False,
            background=QColor("#ffffff"),
            text=QColor("#1f2933"),
            grid=QColor("#d5dce5"),
            series=tuple(QColor(c) for c in _LIGHT_SERIES),
            target=QColor("#37474f"),
            point_size=7.0,
        )

    def font(self, base: QFont, bold: bool = False) -> QFont:
        font = QFont(base)
        if self.point_size is not None:
            font.setPointSizeF(self.point_size + (1 if bold else 0))
        font.setBold(bold)
        return font

    def colour(self, index: int) -> QColor:
        return self.series[index % len(self.series)]


def tips_of(item: QObject) -> list[str]:
    """The tooltip texts of a series or bar set, one per point or bar."""
    value = item.property("tips")
    return list(value) if value else []


def _set_tips(item: QObject, tips: Sequence[str]) -> None:
    item.setProperty("tips", list(tips))


def _show_tip(item: QObject, index: int, state: bool) -> None:
    tips = tips_of(item)
    if state and 0 <= index < len(tips):
        QToolTip.showText(QCursor.pos(), plain_tooltip(tips[index]))
    else:
        QToolTip.hideText()


def _line_tips(series: QXYSeries) -> None:
    def hovered(point: QPointF, state: bool) -> None:
        _show_tip(series, round(point.x()), state)

    series.hovered.connect(hovered)


def _bar_tips(bars: QBarSet) -> None:
    def hovered(state: bool, index: int) -> None:
        _show_tip(bars, index, state)

    bars.hovered.connect(hovered)


def _chart(title: str, style: ChartStyle) -> QChart:
    chart = QChart()
    chart.setTheme(
        QChart.ChartTheme.ChartThemeDark if style.dark else QChart.ChartTheme.ChartThemeLight
    )
    # a chart's title and its series' names are drawn as rich text: names from the desk
    # (customers, technicians) are shown as typed
    chart.setTitle(escape_html(title))
    chart.setTitleBrush(QBrush(style.text))
    chart.setTitleFont(style.font(chart.titleFont(), bold=True))
    chart.setBackgroundBrush(QBrush(style.background))
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    legend = chart.legend()
    legend.setVisible(True)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    legend.setLabelColor(style.text)
    legend.setFont(style.font(legend.font()))
    return chart


def _style_axis(axis: QAbstractAxis, title: str, style: ChartStyle) -> None:
    axis.setTitleText(title)
    axis.setTitleBrush(QBrush(style.text))
    axis.setLabelsColor(style.text)
    axis.setGridLineColor(style.grid)
    axis.setLinePenColor(style.grid)
    axis.setLabelsFont(style.font(axis.labelsFont()))
    axis.setTitleFont(style.font(axis.titleFont(), bold=True))


def _month_label(month: date, so_far: bool = False) -> str:
    return f"{month:%b} ’{month:%y}{'*' if so_far else ''}"


def _month_name(month: TrendMonth) -> str:
    return f"{month.month:%B %Y}{' (so far)' if month.so_far else ''}"


def _month_axis(chart: QChart, trend: Trend, style: ChartStyle) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    # the year only where it starts (and on the first month): twelve labels must fit
    axis.append(
        [
            _month_label(m.month, m.so_far)
            if i == 0 or m.month.month == 1
            else f"{m.month:%b}{'*' if m.so_far else ''}"
            for i, m in enumerate(trend.months)
        ]
    )
    so_far = any(m.so_far for m in trend.months)
    _style_axis(axis, "Month (* so far)" if so_far else "Month", style)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    return axis


def _value_axis(
    chart: QChart, title: str, low: float, high: float, style: ChartStyle
) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(low, high)
    # ticks on round numbers: 0, 5, 10 … rather than 12.5, 25, 37.5
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(low)
    axis.setTickInterval(_tick(high - low))
    _style_axis(axis, title, style)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
    return axis


def _attach(chart: QChart, series: QAbstractSeries, *axes: QAbstractAxis) -> None:
    chart.addSeries(series)
    for axis in axes:
        series.attachAxis(axis)


def _percent(value: float, digits: int = 2) -> str:
    """Rounded down, so a figure just under a target never reads as the target."""
    scale = 10**digits
    return f"{math.floor(value * scale + 1e-9) / scale:g} %"


def _line(name: str, colour: QColor, width: float = 2.5, dashed: bool = False) -> QLineSeries:
    series = QLineSeries()
    series.setName(escape_html(name))
    pen = QPen(colour)
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    series.setPen(pen)
    series.setPointsVisible(not dashed)
    return series


def _percent_range(values: Sequence[float]) -> tuple[float, float]:
    """From a round number under the lowest value to 100, so small moves show."""
    if not values:
        return 0.0, 100.0
    low = min(values)
    floor = max(0.0, math.floor((low - 2) / 5) * 5)
    return floor, 100.0


def attainment_chart(trend: Trend, style: ChartStyle) -> QChart:
    """First-response and resolution attainment per month, and the contract's target."""
    who = trend.customer.name if trend.customer is not None else "Whole desk"
    chart = _chart(f"SLA attainment — {who}", style)
    months = _month_axis(chart, trend, style)
    shown: list[float] = []
    lines = []
    for index, name in enumerate(("First response", "Resolution")):
        series = _line(name, style.colour(index))
        tips = []
        for x, month in enumerate(trend.months):
            value = month.first_response if index == 0 else month.resolution
            decided = value.met + value.breached
            if value.percent is None:
                tips.append(f"{_month_name(month)} — {name.lower()}: no clock decided")
                continue
            series.append(float(x), value.percent)
            shown.append(value.percent)
            tips.append(
                f"{_month_name(month)} — {name.lower()}: {_percent(value.percent)} "
                f"({value.met:,} of {decided:,} clocks met in time)"
            )
        _set_tips(series, tips)
        lines.append(series)
    targets = [m.attainment_target for m in trend.months]
    target_line = None
    if any(t is not None for t in targets):
        label = "Contract target" if trend.customer is not None else "Contracts' target (weighted)"
        target_line = _line(label, style.target, 1.5, dashed=True)
        tips = []
        for x, (month, target) in enumerate(zip(trend.months, targets, strict=True)):
            if target is None:
                tips.append(f"{_month_name(month)}: no target")
                continue
            target_line.append(float(x), target)
            shown.append(target)
            tips.append(f"{_month_name(month)} — target: {_percent(target)} of clocks met in time")
        _set_tips(target_line, tips)
        lines.append(target_line)
    low, high = _percent_range(shown)
    axis = _value_axis(chart, "Clocks met in time (%)", low, high, style)
    for series in lines:
        _attach(chart, series, months, axis)
        _line_tips(series)
    return chart


def breaches_chart(trend: Trend, style: ChartStyle) -> QChart:
    """Breached SLA metrics per month, stacked by category."""
    who = trend.customer.name if trend.customer is not None else "Whole desk"
    chart = _chart(f"Breached SLA metrics by category — {who}", style)
    categories = list(trend.categories)
    named, rest = categories[:CATEGORY_BARS], categories[CATEGORY_BARS:]
    series = QStackedBarSeries()
    groups: list[tuple[str, list[str]]] = [(c, [c]) for c in named]
    if rest:
        groups.append(("other", rest))
    top = 0
    for index, (label, members) in enumerate(groups):
        bars = QBarSet(label)
        bars.setColor(style.colour(index))
        bars.setBorderColor(style.background)
        tips = []
        for month in trend.months:
            count = sum(month.categories.get(c, 0) for c in members)
            bars.append(float(count))
            tips.append(f"{_month_name(month)} — {label}: {count:,} breached SLA metrics")
        _set_tips(bars, tips)
        _bar_tips(bars)
        series.append(bars)
    for month in trend.months:
        top = max(top, month.breached)
    months = _month_axis(chart, trend, style)
    axis = _value_axis(chart, "Breached metrics", 0, _nice_top(top), style)
    axis.setLabelFormat("%d")
    _attach(chart, series, months, axis)
    if not groups:
        chart.setTitle(f"{chart.title()} (none)")
    return chart


def _tick(span: float) -> float:
    """A round step that cuts ``span`` into four to eight parts."""
    if span <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(span))
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        if span / (step * magnitude) <= 8:
            return float(step * magnitude)
    return float(10 * magnitude)


def _nice_top(value: float) -> float:
    """A round axis end above ``value`` (at least 1)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def credit_chart(trend: Trend, style: ChartStyle) -> QChart:
    """Service credit owed per month, one bar per currency."""
    who = trend.customer.name if trend.customer is not None else "Whole desk"
    chart = _chart(f"Service credit owed — {who}", style)
    currencies = trend.currencies
    series = QBarSeries()
    top = 0.0
    for index, currency in enumerate(currencies):
        bars = QBarSet(currency)
        bars.setColor(style.colour(index + 2))
        bars.setBorderColor(style.background)
        tips = []
        for month in trend.months:
            amount = month.credits.get(currency, 0.0)
            top = max(top, amount)
            bars.append(amount)
            tips.append(f"{_month_name(month)} — service credit: {money(amount, currency)}")
        _set_tips(bars, tips)
        _bar_tips(bars)
        series.append(bars)
    months = _month_axis(chart, trend, style)
    unit = currencies[0] if len(currencies) == 1 else "each currency"
    axis = _value_axis(chart, f"Service credit ({unit})", 0, _nice_top(top), style)
    axis.setLabelFormat("%.0f")
    _attach(chart, series, months, axis)
    if not currencies:
        chart.setTitle(f"{chart.title()} (no credit terms)")
    return chart


def availability_chart(trend: Trend, style: ChartStyle) -> QChart:
    """Availability per month (outage tickets' downtime) against the contract's target."""
    desk = trend.customer is None
    who = trend.customer.name if trend.customer is not None else "Whole desk"
    chart = _chart(f"Availability — {who}", style)
    months = _month_axis(chart, trend, style)
    line = _line("Availability (mean of customers)" if desk else "Availability", style.colour(1))
    target = _line("Target (mean)" if desk else "Contract target", style.target, 1.5, dashed=True)
    tips: list[str] = []
    target_tips: list[str] = []
    shown: list[float] = []
    for x, month in enumerate(trend.months):
        if month.availability is None:
            tips.append(f"{_month_name(month)}: not begun")
        else:
            line.append(float(x), month.availability)
            shown.append(month.availability)
            text = f"{_month_name(month)} — availability {_percent(month.availability, 3)}"
            if month.availability_target is not None:
                text += f" (target {_percent(month.availability_target, 3)})"
            if desk:
                text += f"; {month.below_availability_target} customer(s) below their target"
            tips.append(text)
        if month.availability_target is None:
            target_tips.append(f"{_month_name(month)}: no target")
        else:
            target.append(float(x), month.availability_target)
            shown.append(month.availability_target)
            target_tips.append(
                f"{_month_name(month)} — target {_percent(month.availability_target, 3)}"
            )
    _set_tips(line, tips)
    _set_tips(target, target_tips)
    low = min(shown, default=100.0)
    axis = _value_axis(chart, "Availability (%)", max(0.0, math.floor(low - 0.5)), 100.0, style)
    axis.setLabelFormat("%.1f")
    for series in (line, target):
        if series.count():
            _attach(chart, series, months, axis)
            _line_tips(series)
    return chart


def trend_charts(trend: Trend, style: ChartStyle) -> list[QChart]:
    """The four trend charts, in the order the tab and the statement show them."""
    return [
        attainment_chart(trend, style),
        breaches_chart(trend, style),
        credit_chart(trend, style),
        availability_chart(trend, style),
    ]


def load_chart(report: TechnicianReport, style: ChartStyle) -> QChart:
    """Open tickets each technician held at the end of each day of the month."""
    chart = _chart(f"Open tickets held, {report.month:%B %Y}", style)
    days = QValueAxis()
    days.setRange(1, 31)
    days.setTickCount(7)
    days.setLabelFormat("%d")
    _style_axis(days, "Day of the month (each technician's time zone)", style)
    chart.addAxis(days, Qt.AlignmentFlag.AlignBottom)
    top = 0
    lines = []
    for index, row in enumerate(r for r in report.rows if any(n for _d, n in r.load)):
        series = _line(row.technician.name, style.colour(index), 2.0)
        tips = []
        for day, count in row.load:
            series.append(float(day.day), float(count))
            top = max(top, count)
            tips.append(f"{row.technician.name}, {day:%a %d %b}: {count:,} open tickets held")
        # hovering finds a day by its x position; the tips start at day 1
        _set_tips(series, ["", *tips])
        lines.append(series)
    axis = _value_axis(chart, "Open tickets held (end of day)", 0, _nice_top(top), style)
    axis.setLabelFormat("%d")
    for series in lines:
        _attach(chart, series, days, axis)
        _line_tips(series)
    if not lines:
        chart.setTitle(f"{chart.title()} — no open tickets held")
    return chart
