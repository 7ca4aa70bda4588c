"""Place search over every locality and governorate: any alias, transliteration, Arabic form, small typos.

Pure logic (no Streamlit): the Map page's search box (``webapp/search.py``) calls it.

**Normalising** (:func:`search_key`): the one name key of ``geo.gazetteer.normalize`` (case folded;
accents, diacritics, ʿayn/hamza marks and tashkeel removed; Arabic alef forms, ة and ى unified;
the article al-/el-/ad-/ez-/... and ال dropped; punctuation and hyphens as spaces), then the
spaces removed, so "Deir ez-Zor", "Deir ez Zor", "deir-ez-zor" and "Deir Zor" share the key
``deirzor``, "Al-Bab", "al Bab" and "الباب" the keys ``bab`` / ``باب``.

**Ranking** (:meth:`PlaceIndex.search`): each place scores the best of its names (display name,
English, ASCII and Arabic names, every alias):

===========================  =====  ===================================================
match                        score  example
===========================  =====  ===================================================
same key, display name       100    "idlib" -> Idlib
same key, another name       95     "Idleb", "إدلب" -> Idlib
name starts with the query   85     "Deir ez" -> Deir ez-Zor
a word starts with the query 75     "Zor" -> Deir ez-Zor
same consonant skeleton      70     "Idlb", "Suran" -> Idlib, Souran (``gazetteer.skeleton``)
close spelling (difflib)     60 x r "Palmyraa" -> Palmyra, when the ratio r >= :data:`FUZZY_CUTOFF`
===========================  =====  ===================================================

Ties go to governorates, then to larger populations, then by name.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import pandas as pd

from geo.gazetteer import is_arabic, normalize, skeleton
from geo.names import GOVERNORATES

__all__ = ["FUZZY_CUTOFF", "MIN_QUERY", "NEAR_KM", "Match", "Place", "PlaceIndex", "events_near", "governorate_places",
           "locality_places", "search_key"]

#: Smallest difflib ratio (on the keys) counted as a close spelling.
FUZZY_CUTOFF = 0.75
#: Shortest query (characters of its key) searched.
MIN_QUERY = 2
GOVERNORATE, LOCALITY = "governorate", "locality"


def search_key(text) -> str:
    """The search key of a name or query: :func:`geo.gazetteer.normalize` without spaces.

    Parameters
    ----------
    text : str
        A place name or a query, Latin or Arabic script (None / NaN give "").

    Returns
    -------
    str
        The key; idempotent (``search_key(search_key(x)) == search_key(x)``).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return normalize(str(text)).replace(" ", "")


@dataclass(frozen=True)
class Place:
    """A place the search can find.

    Parameters
    ----------
    kind : str
        ``"governorate"`` or ``"locality"``.
    place_id : str
        The P-code (``SY07``) or the locality id (``gn:169389``).
    name : str
        Display name (``geo.names``).
    admin1_pcode : str
        Governorate P-code (the P-code itself for a governorate).
    lat, lon : float
        Where the map goes (a governorate's representative point).
    names : tuple of str
        Every name and alias the search matches (display name first).
    name_ar : str
        Arabic name ("" when unknown).
    population : int
        For ranking ties (0 when unknown).
    bounds : tuple of float or None
        (min lon, min lat, max lon, max lat) of a governorate, for the zoom.
    """

    kind: str
    place_id: str
    name: str
    admin1_pcode: str
    lat: float
    lon: float
    names: tuple[str, ...] = ()
    name_ar: str = ""
    population: int = 0
    bounds: tuple[float, float, float, float] | None = field(default=None)


@dataclass(frozen=True)
class Match:
    """One search result: the place, its score and the name that matched."""

    place: Place
    score: float
    matched: str


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def locality_places(localities: pd.DataFrame) -> list[Place]:
    """One :class:`Place` per locality row with a point.

    Parameters
    ----------
    localities : GeoDataFrame
        The gazetteer with display names (``geo.catalog.Catalog.localities``): ``locality_id``,
        ``name_en``, ``name_ascii``, ``name_ar``, ``aliases``, ``admin1_pcode``, ``population``.

    Returns
    -------
    list of Place
        In the order of the rows; rows without a point are left out.
    """
    out = []
    geoms = localities.geometry.to_numpy()
    for row, pt in zip(localities.to_dict("records"), geoms, strict=True):
        if pt is None or pt.is_empty:
            continue
        aliases = [a.strip() for a in _text(row.get("aliases")).split("|") if a.strip()]
        names = [_text(row.get(c)) for c in ("name_en", "name_ascii", "name_ar")] + aliases
        pop = pd.to_numeric(row.get("population"), errors="coerce")
        out.append(Place(LOCALITY, str(row["locality_id"]), _text(row.get("name_en")),
                         _text(row.get("admin1_pcode")), float(pt.y), float(pt.x),
                         tuple(dict.fromkeys(n for n in names if n)), _text(row.get("name_ar")),
                         0 if pd.isna(pop) else int(pop)))
    return out


def governorate_places(boundaries: pd.DataFrame | None = None) -> list[Place]:
    """The 14 governorates as :class:`Place` (located by their polygons when given).

    Parameters
    ----------
    boundaries : GeoDataFrame, optional
        Governorate polygons (``pcode``, geometry, EPSG:4326); governorates missing from it are
        left out. None: none is located, and an empty list is returned.

    Returns
    -------
    list of Place
        One per governorate found in ``boundaries``, in P-code order.
    """
    if boundaries is None or len(boundaries) == 0:
        return []
    shapes = {str(p): g for p, g in zip(boundaries["pcode"], boundaries.geometry.to_numpy(), strict=True)}
    out = []
    for pcode, gov in GOVERNORATES.items():
        geom = shapes.get(pcode)
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        out.append(Place(GOVERNORATE, pcode, gov.display, pcode, float(pt.y), float(pt.x), gov.names, gov.arabic,
                         bounds=tuple(float(v) for v in geom.bounds)))
    return out


class PlaceIndex:
    """Search index over places (see the module doc for the ranking).

    Parameters
    ----------
    places : iterable of Place
        The places to search (typically ``governorate_places(...) + locality_places(...)``).
    """

    def __init__(self, places):
        self.places = list(places)
        self._entries = []  # (key, words, skeleton, place index, is the display name, name)
        for i, place in enumerate(self.places):
            for j, name in enumerate(place.names or (place.name,)):
                words = normalize(name).split()
                if words:
                    self._entries.append(("".join(words), words, skeleton(name), i, j == 0 or name == place.name,
                                          name))

    def __len__(self) -> int:
        return len(self.places)

    def search(self, query: str, limit: int = 8) -> list[Match]:
        """The places matching ``query``, best first.

        Parameters
        ----------
        query : str
            What the user typed (any script, any spelling).
        limit : int, default 8
            At most this many results.

        Returns
        -------
        list of Match
            Empty when the query's key is shorter than :data:`MIN_QUERY` or nothing matches.
        """
        qkey = search_key(query)
        if len(qkey) < MIN_QUERY:
            return []
        qwords = normalize(str(query)).split()
        qskel = skeleton(query) if not is_arabic(qkey) else ""
        best: dict[int, tuple[float, str]] = {}
        for key, words, skel, i, primary, name in self._entries:
            score = _score(qkey, qwords, qskel, key, words, skel, primary)
            if score and score > best.get(i, (0.0, ""))[0]:
                best[i] = (score, name)
        ranked = sorted(best.items(), key=lambda kv: self._order(kv[0], kv[1][0]))
        return [Match(self.places[i], round(score, 1), name) for i, (score, name) in ranked[:limit]]

    def _order(self, i: int, score: float):
        p = self.places[i]
        return (-score, p.kind != GOVERNORATE, -p.population, p.name, p.place_id)


def _score(qkey: str, qwords: list[str], qskel: str, key: str, words: list[str], skel: str, primary: bool) -> float:
    """Score of one name for one query (0: no match); see the module doc."""
    if key == qkey:
        return 100.0 if primary else 95.0
    if key.startswith(qkey):
        return 85.0
    if any(w.startswith(qkey) for w in words) or (len(qwords) > 1 and _words_prefix(qwords, words)):
        return 75.0
    if qskel and skel and len(qskel.replace(" ", "")) >= 3 and qskel == skel:
        return 70.0
    if abs(len(key) - len(qkey)) > max(2, len(qkey) // 3):
        return 0.0
    matcher = difflib.SequenceMatcher(None, qkey, key, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY_CUTOFF or matcher.quick_ratio() < FUZZY_CUTOFF:
        return 0.0
    ratio = matcher.ratio()
    return 60.0 * ratio if ratio >= FUZZY_CUTOFF else 0.0


def _words_prefix(qwords: list[str], words: list[str]) -> bool:
    """True when the query's words start consecutive words of the name ("deir z" -> "deir zor")."""
    n = len(qwords)
    for s in range(len(words) - n + 1):
        if all(words[s + k].startswith(qwords[k]) if k == n - 1 else words[s + k] == qwords[k] for k in range(n)):
            return True
    return False


#: An event counts as "at or near" a locality within this distance (km) of its point.
NEAR_KM = 10.0
#: Locations precise enough to be "near" a locality (district- and governorate-centre points are not).
NEAR_PRECISIONS = ("exact", "near")


def events_near(events: pd.DataFrame, place: Place, km: float = NEAR_KM) -> pd.DataFrame:
    """The events at or near ``place``: within ``km`` of a locality, or in a governorate.

    A locality's events are those placed ``exact`` or ``near`` within ``km`` (an event known only
    to a district or governorate centre is not "near" a town); a governorate's are those whose
    ``admin1_pcode`` is its P-code (country-level rows have none).

    Parameters
    ----------
    events : GeoDataFrame
        Events (EPSG:4326 points; ``geo_precision``, ``admin1_pcode``), already filtered to the view.
    place : Place
        The place.
    km : float, default NEAR_KM
        Radius around a locality.

    Returns
    -------
    GeoDataFrame
        The matching rows, newest first, with ``distance_km`` for a locality.
    """
    if len(events) == 0:
        return events.iloc[0:0]
    if place.kind == GOVERNORATE:
        out = events.loc[events["admin1_pcode"].astype("string").fillna("") == place.place_id]
        return out.sort_values("date_start", ascending=False)
    from geo.schema import METRIC_CRS

    precise = events["geo_precision"].astype("string").fillna("").isin(NEAR_PRECISIONS) \
        if "geo_precision" in events.columns else pd.Series(True, index=events.index)
    cand = events.loc[precise & events.geometry.notna()]
    if len(cand) == 0:
        return cand
    import geopandas as gpd
    from shapely.geometry import Point

    origin = gpd.GeoSeries([Point(place.lon, place.lat)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    dist = cand.geometry.to_crs(METRIC_CRS).distance(origin) / 1000.0
    out = cand.loc[dist <= km].copy()
    out["distance_km"] = dist[dist <= km].round(1)
    return out.sort_values(["date_start", "distance_km"], ascending=[False, True])
