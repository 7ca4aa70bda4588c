"""The Trends page's charts as Altair specs: small multiples of counts over time, who fought whom by
week, and the before/after heatmap (``pages/trends.py``; cached per view by ``webapp/trenddata.py``).

Pure: pandas and Altair only, no Streamlit, so a chart is built once per view and a test can
validate every chart against the Vega-Lite schema (the page skips that check at run time).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from geo.names import governorate_name
from geo.palette import CLASS_COLOURS, PARTY_COLOURS
from geo.schema import LOCATION_UNKNOWN, LOCATION_UNKNOWN_PCODE
from geo.trends import MIN_EVENTS_FOR_CHANGE, UNKNOWN_GROUP, label_lanes, meaningful_change
from geo.vocabulary import PARTY, TRUCE_CLASS, UNCLASSIFIED, class_label, party_label

#: Shown in a table or chart where there is no value (never "None").
NO_VALUE = "–"


#: Milestone kinds named in the band above the charts (the others are lighter lines, named on hover).
LABELLED_KINDS = ("ceasefire", "talks")


#: Milestone names are cut to this many characters in the band (the full name is on hover).
LABEL_CHARS = 34


#: Width of the chart's plot area the label lanes are planned for (px; the 1440 px wide page, sidebar open).
PLANNED_PLOT_PX = 900


#: Width of one character of a milestone name at the band's font size (px).
CHAR_PX = 5.6


#: Width of the count axis of every small chart (px), so that their plot areas line up.
AXIS_PX = 48


NO_LINE = "#333333"


def gov_label(pcode) -> str:
    """Display name of a governorate P-code ("Syria, location unknown" for the country's code)."""
    if pcode is None or pcode != pcode or str(pcode) == "":
        return NO_VALUE
    if pcode in (LOCATION_UNKNOWN_PCODE, LOCATION_UNKNOWN):
        return LOCATION_UNKNOWN
    return governorate_name(str(pcode))  # the one display spelling (geo/names.py): "Idlib", "Daraa"


def group_label(by: str, group: str) -> str:
    if by == "truce_class":
        return UNCLASSIFIED.label if group in ("", UNKNOWN_GROUP) else class_label(group)
    if by == "party":
        return party_label("unknown") if group == UNKNOWN_GROUP else party_label(group)
    if by == "held_by":
        return (
            "Holder unknown"
            if group == UNKNOWN_GROUP
            else group
            if group == LOCATION_UNKNOWN
            else party_label(group)
        )
    if by == "admin1_pcode":
        return gov_label(group)
    return str(group)


def group_colour(by: str, group: str) -> str:
    palette = CLASS_COLOURS if by == "truce_class" else PARTY_COLOURS if by in ("party", "held_by") else {}
    return palette.get(group) or NO_LINE


def major_milestones(ms: pd.DataFrame, start, end) -> pd.DataFrame:
    """Milestones starting in [start, end]: ``date``, ``label``, ``kind``, ``major`` (named in the band)."""
    if len(ms) == 0:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "label": [], "kind": [], "major": []})
    m = ms.loc[(ms["date_start"] >= pd.Timestamp(start)) & (ms["date_start"] <= pd.Timestamp(end))]
    data = pd.DataFrame(
        {"date": m["date_start"], "label": m["label"].astype(str), "kind": m["kind"].astype(str)}
    )
    data["major"] = data["kind"].isin(LABELLED_KINDS)
    return data.reset_index(drop=True)


def milestone_band(data: pd.DataFrame, start, end) -> alt.Chart | None:
    """The band above the charts naming the truce and the talks, in lanes so no two names overlap."""
    major = data.loc[data["major"]].reset_index(drop=True)
    if len(major) == 0:
        return None
    days = max((pd.Timestamp(end) - pd.Timestamp(start)).days + 1, 1)
    major["short"] = major["label"].map(lambda t: t if len(t) <= LABEL_CHARS else t[: LABEL_CHARS - 1] + "…")
    widths = (major["short"].str.len() * CHAR_PX + 8) / PLANNED_PLOT_PX * days
    major = major.join(label_lanes(major["date"], start, end, widths))
    lanes = int(major["lane"].max()) + 1
    y = alt.Y(
        "lane:O",
        axis=alt.Axis(
            title=None, labels=False, ticks=False, domain=False, minExtent=AXIS_PX, maxExtent=AXIS_PX
        ),
        scale=alt.Scale(domain=list(range(lanes - 1, -1, -1))),
    )
    tip = [alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("label:N", title="milestone")]
    x = alt.X("date:T", title=None, axis=alt.Axis(labels=False, ticks=False, domain=False, grid=False))
    base = alt.Chart(major).encode(x=x, y=y, tooltip=tip)
    marks = [base.mark_tick(color="#333", thickness=1, size=10)]
    for align, dx in (("left", 4), ("right", -4)):
        part = major.loc[major["align"] == align]
        if len(part):
            marks.append(
                alt.Chart(part)
                .mark_text(align=align, dx=dx, fontSize=10, color="#333")
                .encode(x=x, y=y, text="short:N", tooltip=tip)
            )
    return alt.layer(*marks).properties(
        height=14 * lanes, title=alt.TitleParams("Truce and talks", anchor="start", fontSize=11, color="#555")
    )


def small_chart(
    rows: pd.DataFrame,
    label: str,
    colour: str,
    metric: str,
    freq: str,
    rules: pd.DataFrame,
    *,
    last: bool,
    y_max: int | None,
) -> alt.LayerChart:
    """One group's counts (integer axis), with the milestones as dashed lines; the time axis on the last only."""
    x_axis = (
        alt.Axis(title="week starting" if freq == "W" else None, format="%d %b", labelOverlap=True)
        if last
        else alt.Axis(title=None, labels=False, ticks=False)
    )
    scale = alt.Scale(domain=[0, max(y_max, 1)], nice=False) if y_max is not None else alt.Scale(domainMin=0)
    y_axis = alt.Axis(
        title=None, tickMinStep=1, format="d", tickCount=3, minExtent=AXIS_PX, maxExtent=AXIS_PX
    )
    line = (
        alt.Chart(rows)
        .mark_line(
            point=alt.OverlayMarkDef(color=colour) if freq == "W" else False,
            interpolate="step-after" if freq == "D" else "linear",
            color=colour,
        )
        .encode(
            x=alt.X("period:T", axis=x_axis),
            y=alt.Y(f"{metric}:Q", axis=y_axis, scale=scale),
            tooltip=[
                alt.Tooltip("period:T", format="%Y-%m-%d", title="week starting" if freq == "W" else "day"),
                alt.Tooltip("label:N", title="group"),
                alt.Tooltip("events:Q", format="d"),
                alt.Tooltip("fatalities:Q", format="d"),
            ],
        )
    )
    layers = [line]
    if len(rules):
        layers.insert(
            0,
            alt.Chart(rules)
            .mark_rule(strokeDash=[4, 3])
            .encode(
                x="date:T",
                color=alt.condition("datum.major", alt.value("#666"), alt.value("#ccc")),
                tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("label:N", title="milestone")],
            ),
        )
    title = alt.TitleParams(label, anchor="start", fontSize=12, color=colour, offset=2)
    return alt.layer(*layers).properties(height=64, title=title)


def trend_chart(
    counts: pd.DataFrame,
    by: str,
    metric: str,
    freq: str,
    milestones: pd.DataFrame,
    start,
    end,
    same_scale: bool,
) -> alt.VConcatChart:
    """Small multiples: the milestone band, then one small chart per group on one shared time axis."""
    rules = major_milestones(milestones, start, end)
    groups = sorted(
        counts["group"].unique(),
        key=lambda g: (counts.loc[counts["group"] == g, "events"].sum() * -1, str(g)),
    )
    if by in ("truce_class",):
        order = list(TRUCE_CLASS)
        groups = sorted(groups, key=lambda g: order.index(g) if g in order else len(order))
    y_max = int(counts[metric].max()) if same_scale and len(counts) else None
    charts = [
        small_chart(
            counts.loc[counts["group"] == g],
            group_label(by, g),
            group_colour(by, g),
            metric,
            freq,
            rules,
            last=i == len(groups) - 1,
            y_max=y_max,
        )
        for i, g in enumerate(groups)
    ]
    band = milestone_band(rules, start, end)
    chart = alt.vconcat(*([band] if band is not None else []), *charts, spacing=6).resolve_scale(x="shared")
    # fit-x: the width follows the page; each chart keeps its own height (no "fit-y" to drop).
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def side_label(side: str) -> str:
    return " + ".join(PARTY[p].short if p in PARTY else p for p in side.split("+"))


def pair_label(side1: str, side2: str, ordered: bool) -> str:
    """How a pair of sides is named on the page ("Government & allies – Opposition (signatories)")."""
    return f"{side_label(side1)} {'→' if ordered else '–'} {side_label(side2)}"


def pair_heatmap(pairs: pd.DataFrame, ordered: bool) -> alt.LayerChart:
    """Pairs (rows) by weeks (columns), coloured by events (grey: none), the count written in; fatalities on hover."""
    data = pairs.assign(
        pair=[pair_label(a, b, ordered) for a, b in zip(pairs["side1"], pairs["side2"], strict=True)],
        week=pairs["period"].dt.strftime("%d %b %Y"),
    )
    rows = list(dict.fromkeys(data["pair"]))
    weeks = list(dict.fromkeys(data.sort_values("period")["week"]))
    enc = {
        "x": alt.X(
            "week:O",
            sort=weeks,
            title="week starting (Monday)",
            axis=alt.Axis(labelAngle=-45, labelOverlap=False),
        ),
        "y": alt.Y("pair:N", sort=rows, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        "tooltip": [
            alt.Tooltip("pair:N"),
            alt.Tooltip("week:N", title="week starting"),
            alt.Tooltip("events:Q", format="d"),
            alt.Tooltip("fatalities:Q", format="d"),
        ],
    }
    cells = alt.Chart(data).mark_rect(color="#f2f2f2", stroke="#fff", strokeWidth=1).encode(**enc)
    busy = alt.Chart(data).transform_filter("datum.events > 0")
    colour = alt.Color(
        "events:Q",
        title="events in the week",
        scale=alt.Scale(scheme="orangered", type="sqrt", domainMin=0),
        legend=alt.Legend(format="d", tickMinStep=1, orient="bottom", labelLimit=0, titleLimit=0),
    )
    coloured = busy.mark_rect(stroke="#fff", strokeWidth=1).encode(color=colour, **enc)
    text = busy.mark_text(fontSize=9).encode(
        text=alt.Text("events:Q", format="d"),
        color=alt.condition(f"datum.events >= {max(1, 0.55 * int(data['events'].max()))}", alt.value("#fff"), alt.value("#222")),
        **enc,
    )
    # A height in pixels, not a step: with a step Vega-Lite drops the page's "fit" with a warning.
    chart = alt.layer(cells, coloured, text).properties(height=18 * len(rows))
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def change_text(value: float, before: int) -> str:
    """A change of daily rate as shown: "+35%", or why there is none (nothing before, too few events)."""
    if value == value:  # not NaN
        return f"{value:+,.0f}%"
    return NO_VALUE if before == 0 else f"n<{MIN_EVENTS_FOR_CHANGE}"


def ba_heatmap(table: pd.DataFrame, order: list[str], shown_col: str) -> alt.LayerChart:
    """Milestones (rows) by governorate: grey where the counts are too few, coloured by the change elsewhere."""
    govs = list(dict.fromkeys(table["governorate"]))
    rows = [m for m in order if m in set(table["milestone"])]
    enc = {
        "x": alt.X(
            "governorate:N",
            sort=govs,
            title=None,
            axis=alt.Axis(labelAngle=-40, labelLimit=0, labelOverlap=False, orient="top"),
        ),
        "y": alt.Y("milestone:N", sort=rows, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=0)),
        "tooltip": [
            "milestone:N",
            "governorate:N",
            "before:Q",
            "after:Q",
            alt.Tooltip("change:N", title="change of daily rate"),
            "days_before:Q",
            "days_after:Q",
        ],
    }
    cells = alt.Chart(table).mark_rect(color="#eeeeee", stroke="#fff").encode(**enc)
    coloured = (
        alt.Chart(table)
        .transform_filter(f"isValid(datum['{shown_col}'])")
        .mark_rect(stroke="#fff")
        .encode(
            color=alt.Color(
                f"{shown_col}:Q",
                title="change of daily rate, %",
                scale=alt.Scale(scheme="redblue", reverse=True, domainMid=0, clamp=True, domain=[-100, 200]),
                legend=alt.Legend(orient="bottom", labelLimit=0, titleLimit=0),
            ),
            **enc,
        )
    )
    text = alt.Chart(table).mark_text(fontSize=10, color="#222").encode(text="change:N", **enc)
    chart = alt.layer(cells, coloured, text).properties(height=24 * len(rows))  # pixels: see pair_heatmap
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def milestone_names(milestones: pd.DataFrame) -> dict:
    """Milestone id -> "<day> – <name>" of the dated milestones, in their order.

    Parameters
    ----------
    milestones : DataFrame
        ``milestone_id``, ``date_start``, ``label`` (``geo.catalog.Catalog.milestones``).

    Returns
    -------
    dict of str to str
    """
    return {r.milestone_id: f"{pd.Timestamp(r.date_start):%d %b %Y} – {r.label}"
            for r in milestones.itertuples(index=False) if pd.notna(r.date_start)}


def ba_view(table: pd.DataFrame, options: dict, metric: str) -> pd.DataFrame:
    """The before/after table as shown: names, counts, and the change only where it means something."""
    shown_pct = meaningful_change(table, metric)
    return pd.DataFrame(
        {
            "milestone": table["milestone_id"].map(options),
            "governorate": [("All Syria" if g == "all" else gov_label(g)) for g in table["group"]],
            "days_before": table["days_before"],
            "days_after": table["days_after"],
            "before": table[f"{metric}_before"],
            "after": table[f"{metric}_after"],
            "change_pct": shown_pct,
            "change": [change_text(v, b) for v, b in zip(shown_pct, table["events_before"], strict=True)],
        }
    )
