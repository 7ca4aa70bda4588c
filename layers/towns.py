"""Cited towns: labelled markers sized by the number of citing sources."""

from __future__ import annotations

import math

import folium
import numpy as np
import pandas as pd

from geo.palette import TOWN_COLOUR, party_colour
from geo.schema import ADMIN1, PARTIES
from geo.vocabulary import LAYER
from layers.points import PointRows
from layers.safe import esc, safe_colour

LAYER_NAME = LAYER["towns"].label
MAX_CITATIONS_SHOWN = 8


def town_radius(n_sources) -> float:
    """Marker radius in pixels: grows with the square root of the number of citing sources.

    Parameters
    ----------
    n_sources : int or None
        Number of citing sources; ``None``, NaN and negative values count as 0.

    Returns
    -------
    float
        ``4 + 2.5 * sqrt(n)``, rounded to one decimal.
    """
    n = 0 if n_sources is None or pd.isna(n_sources) else max(0, int(n_sources))
    return round(4 + 2.5 * math.sqrt(n), 1)


def _document_text(doc) -> str:
    if isinstance(doc, dict):
        outlet, title, day = doc.get("outlet", ""), doc.get("title", ""), doc.get("date", "")
        text = f"{outlet}: {title}" if outlet and title else str(title or outlet)
        return f"{text} ({day})" if day else text
    return str(doc)


def _citations(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | np.ndarray) and any(isinstance(v, dict) for v in value):
        return [t for t in (_document_text(v) for v in value) if t]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value if str(v)]
    if isinstance(value, float) and math.isnan(value):
        return []
    text = str(value)
    for sep in ("|", "\n", ";"):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text] if text else []


def town_popup(row: dict, date_label: str) -> str:
    """Popup HTML: English and Arabic names, governorate, holder at the date, citations (escaped).

    Parameters
    ----------
    row : dict
        One town record; ``name_en``, ``name_ar``, ``admin1_pcode``, ``party``, ``n_sources``,
        ``citations`` (or ``documents``) and ``locality_id`` are read when present.
    date_label : str
        The control date, shown as "Held on ...".

    Returns
    -------
    str
        HTML with all text escaped; at most :data:`MAX_CITATIONS_SHOWN` citations are listed.
    """
    gov = ADMIN1.get(row.get("admin1_pcode", ""), row.get("admin1_pcode", "")) or "unknown"
    party = row.get("party", "")
    held = PARTIES.get(party, party) if party else "no control record for this date"
    cites = _citations(row.get("citations")) or _citations(row.get("documents"))
    n = row.get("n_sources")
    n_txt = "" if n is None or pd.isna(n) else f"{int(n)} source(s)"
    items = "".join(f"<li>{esc(c)}</li>" for c in cites[:MAX_CITATIONS_SHOWN])
    more = f"<li>… and {len(cites) - MAX_CITATIONS_SHOWN} more</li>" if len(cites) > MAX_CITATIONS_SHOWN else ""
    ar = row.get("name_ar", "")
    ar_html = f' <span dir="rtl" lang="ar">{esc(ar)}</span>' if ar else ""
    return (
        '<div class="scm-popup">'
        f"<b>{esc(row.get('name_en', ''))}</b>{ar_html}<table>"
        f"<tr><th>Governorate</th><td>{esc(gov)}</td></tr>"
        f"<tr><th>Held on {esc(date_label)}</th><td>{esc(held)}</td></tr>"
        f"<tr><th>Cited by</th><td>{esc(n_txt)}</td></tr></table>"
        + (f"<ul style='margin:2px 0 0 16px;padding:0'>{items}{more}</ul>" if items else "")
        + f"<small>{esc(row.get('locality_id', ''))}</small></div>"
    )


def towns_layer(towns, *, date_label: str = "", name: str = LAYER_NAME, labels: bool = True) -> folium.FeatureGroup:
    """FeatureGroup of cited towns.

    Parameters
    ----------
    towns : GeoDataFrame
        ``locality_id``, ``name_en``, ``name_ar``, ``admin1_pcode``, ``n_sources``, Point geometry;
        optional ``party`` (holder on the selected date) and ``citations`` (list or '|'-joined).
    date_label : str
        The control date shown in the popup ("Held on ...").
    labels : bool
        Permanent name labels next to the markers.
    """
    fg = folium.FeatureGroup(name=esc(name))
    if len(towns) == 0:
        return fg
    geom = towns.geometry
    ok = ~(geom.isna() | geom.is_empty).to_numpy()
    records = towns.drop(columns=towns.geometry.name).to_dict("records")
    groups: dict[str, list] = {}
    for i in np.flatnonzero(ok):
        row = {k: ("" if not isinstance(v, list | tuple | np.ndarray) and pd.isna(v) else v) for k, v in records[i].items()}
        if "n_sources" in records[i]:
            row["n_sources"] = records[i]["n_sources"]
        party = str(row.get("party", "") or "")
        pt = geom.iloc[i]
        groups.setdefault(party, []).append(
            [
                round(float(pt.y), 5),
                round(float(pt.x), 5),
                1,
                town_radius(row.get("n_sources")),
                town_popup(row, date_label),
                esc(row.get("name_en", "")),
            ]
        )
    spec = []
    for party, rows in groups.items():
        colour = safe_colour(party_colour(party)) if party else "#ffffff"
        spec.append({"key": esc(party or "unknown"), "color": colour, "text": "#000000", "rows": rows})
    # DOM dots, so the towns stay above the event clusters (layers/points.py)
    PointRows(
        spec, kind="town", labels=labels, stroke=safe_colour(TOWN_COLOUR), fill_opacity=0.95, above_clusters=True
    ).add_to(fg)
    return fg
