"""Events aggregated on a square grid, for maps holding more events than a browser can draw.

The Map page draws every event as a point while the events to draw are few
(:data:`POINT_LIMIT`).  Above that, it draws the events of precise places as counts per grid
cell, the cell's size following the map's zoom (:func:`cell_degrees`), and the events located
only to a district or governorate as one ring per centre with their number: they are never
spread over cells as if their place were known.  At high zoom (:data:`POINTS_ZOOM` and above),
the events inside the view are drawn as points again when they are few enough (:func:`split`).

Everything here is numpy over the event frame's coordinates: no Python loop per event, so a
million events aggregate in tens of milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: At most this many events drawn one by one (each is a marker with its popup in the browser,
#: about 350 bytes sent per event).  Above the shipped window's 1,902 drawable events, which the
#: browser redraws in about 0.4-0.8 s (performance audit, 1,982 points); 2,500 points are under
#: 1 MB per rerun, where counts per square are tens of kilobytes whatever the number of events.
POINT_LIMIT = 2500
#: From this zoom the events inside the view are drawn as points when they are at most POINT_LIMIT.
POINTS_ZOOM = 10
#: At most this many cells sent to the map: the cells coarsen (double) until they fit.
MAX_CELLS = 3000
#: The view assumed around the map's centre (pixels): larger than the map frame on a 1920x1080
#: screen, so a pan of up to half a frame still shows points.
VIEW_PX = (2400, 1600)


def cell_degrees(zoom: float) -> float:
    """Cell size in degrees at a map zoom: about 22 to 45 pixels on screen.

    Parameters
    ----------
    zoom : float
        Leaflet zoom level (clamped to 4..16).

    Returns
    -------
    float
        ``0.25 * 2 ** (7 - zoom)`` for integer zooms: 0.25° at zoom 7 (the country view),
        halving with each zoom level.
    """
    z = int(min(16, max(4, math.floor(zoom))))
    return 0.25 * 2.0 ** (7 - z)


def viewport(lat: float, lon: float, zoom: float, size_px: tuple[int, int] = VIEW_PX) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a Web Mercator view of ``size_px`` centred on (lat, lon).

    Parameters
    ----------
    lat, lon : float
        Centre of the view, degrees.
    zoom : float
        Leaflet zoom level.
    size_px : tuple of int
        Width and height of the view in pixels.

    Returns
    -------
    tuple of float
        The bounds in degrees (latitudes within ±85).
    """
    world = 256.0 * 2.0 ** zoom  # pixels around the world at this zoom
    half_w = size_px[0] / 2 * 360.0 / world
    y = math.log(math.tan(math.pi / 4 + math.radians(max(-85.0, min(85.0, lat))) / 2))
    half_h = size_px[1] / 2 * 2 * math.pi / world

    def to_lat(v: float) -> float:
        return max(-85.0, min(85.0, math.degrees(2 * math.atan(math.exp(v)) - math.pi / 2)))

    return lon - half_w, to_lat(y - half_h), lon + half_w, to_lat(y + half_h)


def inside(x: np.ndarray, y: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Mask of the points (x = longitude, y = latitude) inside ``bounds`` (west, south, east, north)."""
    w, s, e, n = bounds
    return (x >= w) & (x <= e) & (y >= s) & (y <= n)


@dataclass(frozen=True)
class Split:
    """Which events a map draws as points and which it aggregates.

    Attributes
    ----------
    points : numpy.ndarray of bool
        Drawn one by one.
    cells : numpy.ndarray of bool
        Events of a precise place, counted per grid cell.
    centres : numpy.ndarray of bool
        Events located only to a district or governorate centre, counted per centre.
    mode : str
        ``"points"`` (every drawable event a point), ``"cells"`` (none) or ``"mixed"`` (the view's
        events points, the others aggregated).
    """

    points: np.ndarray
    cells: np.ndarray
    centres: np.ndarray
    mode: str


def split(x: np.ndarray, y: np.ndarray, drawable: np.ndarray, precise: np.ndarray, *,
          lat: float, lon: float, zoom: float, limit: int = POINT_LIMIT) -> Split:
    """Decide what a map at (lat, lon, zoom) draws as points and what it aggregates.

    Parameters
    ----------
    x, y : numpy.ndarray
        Longitude and latitude of each event.
    drawable : numpy.ndarray of bool
        Events that have a place to draw (not country-only, finite point).
    precise : numpy.ndarray of bool
        Among those, the events of a precise place (exact or near); the others are located
        only to a district or governorate centre.
    lat, lon, zoom : float
        The map's view (``zoom`` from the link; the view's size is :data:`VIEW_PX`).
    limit : int
        Most events drawn as points.

    Returns
    -------
    Split
        All drawable events as points when they are at most ``limit``; else, from
        :data:`POINTS_ZOOM`, the events inside the view as points when they are at most
        ``limit``; the rest aggregated (precise ones per cell, the others per centre).
    """
    none = np.zeros(len(drawable), dtype=bool)
    if int(drawable.sum()) <= limit:
        return Split(drawable.copy(), none, none.copy(), "points")
    points = none
    if zoom >= POINTS_ZOOM:
        near = drawable & inside(x, y, viewport(lat, lon, zoom))
        if int(near.sum()) <= limit:
            points = near
    rest = drawable & ~points
    return Split(points, rest & precise, rest & ~precise, "mixed" if points.any() else "cells")


@dataclass(frozen=True)
class Cells:
    """Counts per grid cell (or per centre point).

    Attributes
    ----------
    size : float
        Cell size in degrees (0 for centres: then ``x``, ``y`` are the points themselves).
    x, y : numpy.ndarray
        The cells' south-west corners (or the centres), degrees.
    count, fatalities : numpy.ndarray of int
        Events and reported fatalities per cell.
    by_category : numpy.ndarray of int, shape (cells, categories)
        Events per category (the ``categories`` given, in order) per cell.
    """

    size: float
    x: np.ndarray
    y: np.ndarray
    count: np.ndarray
    fatalities: np.ndarray
    by_category: np.ndarray

    def __len__(self) -> int:
        return len(self.count)

    def dominant(self) -> np.ndarray:
        """Index of each cell's most frequent category (the first in order on a tie)."""
        return self.by_category.argmax(axis=1) if len(self) else np.zeros(0, dtype=int)


def _aggregate(ix: np.ndarray, iy: np.ndarray, codes: np.ndarray, fat: np.ndarray, k: int):
    """(unique ix, unique iy, count, fatalities, by_category) of integer keys ``ix``, ``iy``.

    A dense count over the keys' bounding box when it is small (one pass, no sort), else a sort
    of the combined keys.
    """
    if len(ix) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, np.zeros((0, k), dtype=np.int64)
    x0, y0 = int(ix.min()), int(iy.min())
    w, h = int(ix.max()) - x0 + 1, int(iy.max()) - y0 + 1
    if w * h <= 4_000_000:
        flat = (ix - x0) * h + (iy - y0)
        count = np.bincount(flat, minlength=w * h)
        where = np.flatnonzero(count)
        slot = np.full(w * h, -1, dtype=np.int64)
        slot[where] = np.arange(len(where))
        inverse = slot[flat]
        ux, uy = where // h + x0, where % h + y0
        count = count[where]
    else:
        key = (ix.astype(np.int64) - x0) * h + (iy.astype(np.int64) - y0)
        uniq, inverse = np.unique(key, return_inverse=True)
        count = np.bincount(inverse, minlength=len(uniq))
        ux, uy = uniq // h + x0, uniq % h + y0
    n = len(count)
    fatalities = np.bincount(inverse, weights=fat, minlength=n).round().astype(np.int64)
    by_cat = np.bincount(inverse * k + codes, minlength=n * k).reshape(n, k)
    return ux, uy, count, fatalities, by_cat


def grid_cells(x: np.ndarray, y: np.ndarray, codes: np.ndarray, fatalities: np.ndarray, n_categories: int,
               size: float, *, max_cells: int = MAX_CELLS) -> Cells:
    """Count events per square cell of ``size`` degrees, coarser until at most ``max_cells``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Longitude and latitude of each event to count.
    codes : numpy.ndarray of int
        Each event's category index, in ``0 .. n_categories - 1``.
    fatalities : numpy.ndarray
        Each event's reported fatalities (NaN counts as 0).
    n_categories : int
        Number of categories.
    size : float
        Cell size in degrees (:func:`cell_degrees`).
    max_cells : int
        Most cells returned: the size doubles until the cells fit.

    Returns
    -------
    Cells
        One entry per non-empty cell; ``x``, ``y`` are the cells' south-west corners.
    """
    fat = np.nan_to_num(np.asarray(fatalities, dtype=float))
    codes = np.asarray(codes, dtype=np.int64)
    while True:
        ix = np.floor(np.asarray(x) / size).astype(np.int64)
        iy = np.floor(np.asarray(y) / size).astype(np.int64)
        ux, uy, count, dead, by_cat = _aggregate(ix, iy, codes, fat, n_categories)
        if len(count) <= max_cells:
            return Cells(size, ux * size, uy * size, count, dead, by_cat)
        size *= 2


def centre_counts(x: np.ndarray, y: np.ndarray, codes: np.ndarray, fatalities: np.ndarray,
                  n_categories: int, units: np.ndarray) -> Cells:
    """Count events per administrative unit they are located to (their district or governorate).

    Parameters
    ----------
    x, y, codes, fatalities, n_categories
        As :func:`grid_cells`.
    units : numpy.ndarray of int
        Each event's unit code (:func:`units_of`); events with -1 count per distinct point (to
        1e-5 degrees).

    Returns
    -------
    Cells
        One entry per unit, of size 0, at the mean of its events' points (the unit's centre for
        data that places such events at the centre, as UCDP does).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    units = np.asarray(units, dtype=np.int64)
    own = (np.round(x * 1e5).astype(np.int64) % (1 << 26)) << 26 | (np.round(y * 1e5).astype(np.int64) % (1 << 26))
    key = np.where(units >= 0, units, -1 - own)
    uniq, inverse = np.unique(key, return_inverse=True)
    n = len(uniq)
    count = np.bincount(inverse, minlength=n)
    fat = np.bincount(inverse, weights=np.nan_to_num(np.asarray(fatalities, dtype=float)), minlength=n)
    by_cat = np.bincount(inverse * n_categories + np.asarray(codes, dtype=np.int64),
                         minlength=n * n_categories).reshape(n, n_categories)
    safe = np.maximum(count, 1)
    cx = np.bincount(inverse, weights=x, minlength=n) / safe
    cy = np.bincount(inverse, weights=y, minlength=n) / safe
    order = np.lexsort((cy, cx))  # west to east: the same whatever the unit codes
    return Cells(0.0, cx[order], cy[order], count[order], fat.round().astype(np.int64)[order], by_cat[order])


def units_of(precision, admin1, admin2) -> np.ndarray:
    """Code of the unit each event is located to: its district for ``district`` precision, else its governorate.

    Parameters
    ----------
    precision : array-like of str
        ``geo_precision`` of each event.
    admin1, admin2 : array-like of str
        Governorate and district P-codes ("" or missing when unknown).

    Returns
    -------
    numpy.ndarray of int
        One code per distinct unit, -1 where the unit's P-code is unknown (the event then counts
        at its own point, :func:`centre_counts`).
    """
    a1 = pd.Series(admin1, dtype=object).fillna("").astype(str).to_numpy()
    a2 = pd.Series(admin2, dtype=object).fillna("").astype(str).to_numpy()
    district = (pd.Series(precision, dtype=object).fillna("").to_numpy() == "district") & (a2 != "")
    unit = np.where(district, a2, a1)
    codes, _names = pd.factorize(unit)
    return np.where(unit == "", -1, codes).astype(np.int64)


@dataclass(frozen=True)
class EventArrays:
    """What the map needs of each event, as numpy arrays (computed once per loaded frame).

    Attributes
    ----------
    x, y : numpy.ndarray of float
        Longitude and latitude (NaN without a point).
    drawable, precise : numpy.ndarray of bool
        Has a place to draw; of those, a precise one (else a district or governorate centre).
    fatalities : numpy.ndarray of float
        Reported fatalities (NaN when not reported).
    codes : numpy.ndarray of int
        Category index of each event (its class or party, ``categories`` order).
    units : numpy.ndarray of int
        The unit an imprecise event is located to (:func:`units_of`).
    synthetic : numpy.ndarray of bool
        Synthetic test data.
    categories : tuple of str
        The category keys, the last one for events of no listed category.
    """

    x: np.ndarray
    y: np.ndarray
    drawable: np.ndarray
    precise: np.ndarray
    fatalities: np.ndarray
    codes: np.ndarray
    units: np.ndarray
    synthetic: np.ndarray
    categories: tuple

    def take(self, positions: np.ndarray) -> EventArrays:
        """The arrays of the events at ``positions`` (integer positions or a boolean mask)."""
        fields = ("x", "y", "drawable", "precise", "fatalities", "codes", "units", "synthetic")
        return EventArrays(*(getattr(self, f)[positions] for f in fields), categories=self.categories)


def category_codes(values: pd.Series | np.ndarray, categories: list[str]) -> np.ndarray:
    """Index of each value in ``categories``; values not listed get the last index.

    Parameters
    ----------
    values : array-like of str
        E.g. each event's ``truce_class``.
    categories : list of str
        The categories in order; the last one catches the values not listed (e.g. "").

    Returns
    -------
    numpy.ndarray of int
    """
    known = pd.Categorical(pd.Series(values, dtype="string").fillna(""), categories=categories[:-1])
    codes = np.asarray(known.codes, dtype=np.int64)
    return np.where(codes < 0, len(categories) - 1, codes)
