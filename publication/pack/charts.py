"""Charts of the KPI pack: Altair (Vega-Lite) specifications rendered to static SVG by vl-convert.

The pack opens offline with no script, so every chart is inline SVG rendered here at build time
(vl-convert embeds the Vega runtime: no Node, no browser, no network). Every chart marks how
trustworthy each point is: a triangle for a month the data only partly covers (`is_complete`
false), a cross on the axis for a cell withheld by small-number suppression (`<column>_suppressed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

# Series colours: each has at least 4.5:1 contrast on white (WCAG AA for text, so also the 3:1 that
# graphics need), and the series are told apart by their legend and data table, never colour alone.
PALETTE = (
    "#0b5394",
    "#b45f06",
    "#38761d",
    "#741b47",
    "#990000",
    "#134f5c",
    "#7f6000",
    "#444444",
    "#5b2c99",
    "#8a3b12",
    "#1d5c3a",
    "#9c1a6b",
)
TARGET_COLOUR = "#000000"
COMPLETE, INCOMPLETE, SUPPRESSED = "Complete month", "Incomplete month", "Suppressed (withheld)"
STATUS_SHAPES = {COMPLETE: "circle", INCOMPLETE: "triangle-up", SUPPRESSED: "cross"}
WIDTH, HEIGHT = 560, 220

# How a measure's values read on an axis (d3-format) and in text.
# The y axis's title per unit (the chart's caption names the measure).
AXIS_TITLES = {
    "count": "Number",
    "rate": "Share",
    "gbp": "£",
    "seconds": "Seconds",
    "days": "Days",
    "number": "",
}
UNITS: dict[str, tuple[str, str]] = {
    "count": (",.0f", "{:,.0f}"),
    "rate": (".0%", "{:.1%}"),
    "gbp": (",.0f", "£{:,.0f}"),
    "seconds": (",.0f", "{:,.0f} s"),
    "days": (",.1f", "{:,.1f}"),
    "number": (",.2f", "{:,.2f}"),
}


def format_value(value: Any, unit: str) -> str:
    """A value as the pack prints it ('' for NULL: the table says why a cell is empty)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return UNITS[unit][1].format(float(value))


@dataclass(frozen=True)
class Chart:
    """A rendered chart and the sentence saying what it draws, both from the same frame, so the
    text alternative cannot count rows the chart leaves out (review finding F5)."""

    svg: str
    drawn: str


def describe(frame: pd.DataFrame, x: str) -> str:
    """What a chart plots: its points (a value, or a withheld cell's cross), series and x extent.

    `frame` is exactly what the chart was given: columns `x`, series, value (and, for trends,
    suppressed)."""
    shown = frame["value"].notna()
    if "suppressed" in frame.columns:
        shown |= frame["suppressed"].astype(bool)
    plotted = frame[shown]
    if plotted.empty:
        return "Plotted: no point."
    series = sorted(plotted["series"].astype(str).unique())
    values = plotted[x]
    if x == "category":
        names = list(dict.fromkeys(values.astype(str)))
        extent = f"{len(names)} {'categories' if len(names) > 1 else 'category'} ({', '.join(names)})"
    else:
        times = pd.to_datetime(values)
        timed = bool((times != times.dt.normalize()).any())  # half-hours, not days
        shape = "%b %Y" if x == "month" else "%d %b %Y %H:%M" if timed else "%d %b %Y"
        first, last = times.min(), times.max()
        extent = f"from {first:{shape}} to {last:{shape}}"
    return f"Plotted: {len(plotted)} point(s) in {len(series)} series ({', '.join(series)}), {extent}."


@dataclass(frozen=True)
class Target:
    """A line the council measures a KPI against (targets.yml), with where it comes from."""

    value: float
    label: str
    source: str


def to_svg(chart: alt.TopLevelMixin, validate: bool = False) -> str:
    """The chart as standalone SVG markup (no script, no external reference).

    Altair's JSON-schema validation of each spec costs as much as rendering it; the specs are fixed
    by this module, so it runs in the tests (validate=True), not in every publish."""
    svg = vl_convert.vegalite_to_svg(chart.to_dict(validate=validate))
    return svg[svg.index("<svg") :]


def _status(frame: pd.DataFrame) -> pd.Series:
    status = frame["complete"].map({True: COMPLETE, False: INCOMPLETE}).fillna(INCOMPLETE)
    return status.where(~frame["suppressed"].astype(bool), SUPPRESSED)


def _target_layers(targets: list[Target]) -> list[alt.Chart]:
    if not targets:
        return []
    data = pd.DataFrame({"target": [t.value for t in targets], "label": [t.label for t in targets]})
    rule = alt.Chart(data).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4]).encode(y="target:Q")
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, dy=-6, color=TARGET_COLOUR, fontSize=11)
        .encode(y="target:Q", x=alt.value(0), text="label:N")
    )
    return [rule, text]


def trend_chart(frame: pd.DataFrame, unit: str, series_title: str, targets: list[Target]) -> Chart:
    """A monthly trend per series: columns month, series, value, complete, suppressed.

    The line joins the values published; each point's shape says whether its month is complete;
    a suppressed cell has no value and is drawn as a cross on the axis instead.
    """
    data = frame.assign(status=_status(frame), plotted=frame["value"].where(~frame["suppressed"], 0.0))
    axis_format = UNITS[unit][0]
    x = alt.X("month:T", timeUnit="yearmonth", title="Month", axis=alt.Axis(format="%b %Y"))
    colour = alt.Color(
        "series:N",
        title=series_title,
        scale=alt.Scale(range=list(PALETTE)),
        legend=alt.Legend(orient="right", labelLimit=280),
    )
    line = (
        alt.Chart(data[~data["suppressed"]])
        .mark_line(strokeWidth=2)
        .encode(
            x=x, y=alt.Y("value:Q", title=AXIS_TITLES[unit], axis=alt.Axis(format=axis_format)), color=colour
        )
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=70, opacity=1)
        .encode(
            x=x,
            y=alt.Y("plotted:Q"),
            color=colour,
            shape=alt.Shape(
                "status:N",
                title="Point",
                scale=alt.Scale(domain=list(STATUS_SHAPES), range=list(STATUS_SHAPES.values())),
            ),
        )
    )
    layers = [line, points, *_target_layers(targets)]
    return Chart(to_svg(alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)), describe(frame, "month"))


def daily_chart(frame: pd.DataFrame, unit: str, series_title: str, points: bool = True) -> Chart:
    """Values by day (or half-hour) per series: columns day, series, value; `points` off for
    dense series."""
    colour = alt.Color("series:N", title=series_title, scale=alt.Scale(range=list(PALETTE)))
    base = alt.Chart(frame).encode(
        x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")),
        y=alt.Y("value:Q", title=AXIS_TITLES[unit], axis=alt.Axis(format=UNITS[unit][0])),
        color=colour,
    )
    marks = [base.mark_line(strokeWidth=2)] + ([base.mark_point(filled=True, size=40)] if points else [])
    chart = alt.layer(*marks)
    return Chart(to_svg(chart.properties(width=WIDTH, height=HEIGHT)), describe(frame, "day"))


def bar_chart(frame: pd.DataFrame, unit: str, category_title: str, targets: list[Target]) -> Chart:
    """Bars per category, side by side per series: columns category, series, value."""
    colour = alt.Color("series:N", title="Measure", scale=alt.Scale(range=list(PALETTE)))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("category:N", title=category_title, axis=alt.Axis(labelAngle=-30, labelLimit=160)),
            xOffset="series:N",
            y=alt.Y("value:Q", title=AXIS_TITLES[unit], axis=alt.Axis(format=UNITS[unit][0])),
            color=colour,
        )
    )
    chart = alt.layer(bars, *_target_layers(targets)).properties(width=WIDTH, height=HEIGHT)
    return Chart(to_svg(chart), describe(frame, "category"))
