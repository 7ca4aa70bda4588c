"""Where map labels may be shown: the smallest zoom at which each label collides with nothing.

Pure numpy (no folium): screen-space boxes in Web Mercator pixels, as Leaflet places them.
The towns layer (``layers/towns.py``) shows a town's name permanently only from its
:func:`label_placement` zoom on, and on hover below it, so no two shown labels overlap and no
label covers another town's marker.

Placement is greedy by priority at each zoom, from :data:`MIN_ZOOM` to :data:`MAX_ZOOM`: a label
is placed right (else left) of its marker when its box meets no label placed before it and no
marker of a more important town; labels placed at the zoom below are tried first, on the side they had (so a
label, once shown, stays).  A town's minimum zoom
is the smallest zoom from which its label is placed at *every* higher zoom, so the labels shown
at any zoom are a subset of that zoom's collision-free placement.
"""

from __future__ import annotations

import math

import numpy as np

#: Zoom range of the maps (``layers.assets.base_map``: ``min_zoom`` 4, ``max_zoom`` 18).
MIN_ZOOM, MAX_ZOOM = 4, 18
#: A label never shown permanently (hover only): above every zoom.
NEVER = 99
#: Label font metrics (``.scm-label`` in ``layers/assets.py``: 11 px, weight 600, 3 px side
#: padding, line height 1.5).  Measured in the app in headless Chromium: 16.5 px high, 33.6 px
#: ("Tasil") to 124.8 px ("Deir ez-Zor airbase") wide, at most 8.6 px a character plus padding
#: ("Homs" 40.8, "Damascus" 68.9); the estimate covers every measured label.
CHAR_PX = 7.6
PAD_PX = 10.0
LINE_PX = 17.0
#: Gap between a marker's edge and its label (the tooltip anchor plus offset).
GAP_PX = 4.0
#: Sides of a label: right of its marker (tried first) or left of it.
RIGHT, LEFT = 1, -1


def label_width(text: str) -> float:
    """Estimated width in pixels of a label showing ``text``.

    Parameters
    ----------
    text : str
        The label's text, as displayed (not escaped).

    Returns
    -------
    float
    """
    return PAD_PX + CHAR_PX * len(str(text))


def project(lat, lon, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates (256-pixel tiles) at ``zoom``, as Leaflet's EPSG:3857.

    Parameters
    ----------
    lat, lon : array-like
        Degrees.
    zoom : int

    Returns
    -------
    (x, y) : tuple of numpy.ndarray
        Pixels from the world's top-left corner; y grows southwards.
    """
    scale = 256.0 * 2.0**zoom
    lat = np.clip(np.asarray(lat, dtype=float), -85.0511, 85.0511)
    x = scale * (np.asarray(lon, dtype=float) + 180.0) / 360.0
    y = scale * (1.0 - np.log(np.tan(np.radians(lat)) + 1.0 / np.cos(np.radians(lat))) / math.pi) / 2.0
    return x, y


def label_boxes(lat, lon, radius, width, zoom: int, side=1) -> np.ndarray:
    """Label boxes ``[x0, y0, x1, y1]`` in pixels at ``zoom``, beside the marker, centred on it.

    Parameters
    ----------
    lat, lon : array-like
        Marker positions (degrees).
    radius : array-like
        Marker radii in pixels.
    width : array-like
        Label widths in pixels (:func:`label_width`).
    zoom : int
    side : int or array-like
        ``1`` (:data:`RIGHT`): right of the marker; ``-1`` (:data:`LEFT`): left of it.

    Returns
    -------
    numpy.ndarray
        Shape (n, 4).
    """
    x, y = project(lat, lon, zoom)
    r, w = np.asarray(radius, dtype=float), np.asarray(width, dtype=float)
    right = np.broadcast_to(np.asarray(side) >= 0, x.shape)
    x0 = np.where(right, x + r + GAP_PX, x - r - GAP_PX - w)
    return np.stack([x0, y - LINE_PX / 2, x0 + w, y + LINE_PX / 2], axis=1)


def marker_boxes(lat, lon, radius, zoom: int) -> np.ndarray:
    """Marker boxes ``[x0, y0, x1, y1]`` in pixels at ``zoom`` (the circle's bounding square).

    Parameters
    ----------
    lat, lon, radius : array-like
        Marker positions (degrees) and radii (pixels).
    zoom : int

    Returns
    -------
    numpy.ndarray
        Shape (n, 4).
    """
    x, y = project(lat, lon, zoom)
    r = np.asarray(radius, dtype=float) + 1.0
    return np.stack([x - r, y - r, x + r, y + r], axis=1)


def overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether ``box`` meets each of ``boxes`` (touching edges do not count).

    Parameters
    ----------
    box : numpy.ndarray
        Shape (4,).
    boxes : numpy.ndarray
        Shape (n, 4).

    Returns
    -------
    numpy.ndarray of bool
        Shape (n,).
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    return (box[0] < boxes[:, 2]) & (boxes[:, 0] < box[2]) & (box[1] < boxes[:, 3]) & (boxes[:, 1] < box[3])


def place_at_zoom(boxes: dict[int, np.ndarray], markers: np.ndarray, order: list[int], preferred: np.ndarray,
                  rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy placement at one zoom: each label in ``order`` takes the first side that meets nothing.

    Parameters
    ----------
    boxes : dict
        ``{RIGHT: boxes, LEFT: boxes}``, label boxes (n, 4) on each side (:func:`label_boxes`).
    markers : numpy.ndarray
        Marker boxes (n, 4) (:func:`marker_boxes`): a label never covers the marker of a town
        ranked before it (a lesser town's marker may lie under an important town's name).
    order : list of int
        Indices, most important first.
    preferred : numpy.ndarray of int
        Side tried first for each label (then the other one).
    rank : numpy.ndarray of int
        Priority rank of each label (0 = most important).

    Returns
    -------
    (placed, side) : tuple of numpy.ndarray
        Which labels are placed, and on which side (``RIGHT``/``LEFT``).
    """
    n = len(markers)
    placed = np.zeros(n, dtype=bool)
    side = np.array(preferred, dtype=int)
    kept = np.empty((0, 4))
    for i in order:
        guarded = markers[(rank < rank[i])]
        for s in (preferred[i], -preferred[i]):
            box = boxes[s][i]
            if not overlaps(box, kept).any() and not overlaps(box, guarded).any():
                placed[i], side[i] = True, s
                kept = np.vstack([kept, box])
                break
    return placed, side


def label_placement(lat, lon, radius, width, priority, *,
                    zooms: range = range(MIN_ZOOM, MAX_ZOOM + 1)) -> tuple[np.ndarray, np.ndarray]:
    """The smallest zoom from which each label is shown without colliding, and its side at each zoom.

    Parameters
    ----------
    lat, lon : array-like
        Marker positions (degrees).
    radius : array-like
        Marker radii (pixels).
    width : array-like
        Label widths (pixels, :func:`label_width`).
    priority : sequence
        One sortable key per label (a number or a tuple), higher first: e.g. (citing sources,
        mentions, population); ties keep the input order.
    zooms : range
        Zoom levels considered (consecutive).

    Returns
    -------
    (min_zoom, sides) : tuple of numpy.ndarray
        ``min_zoom`` (n,): shown at every zoom >= this value within ``zooms`` (:data:`NEVER`:
        hover only); ``sides`` (n, len(zooms)): ``RIGHT`` or ``LEFT`` at each zoom.
    """
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    n = len(lat)
    keys = list(priority)
    by_priority = sorted(range(n), key=lambda i: keys[i], reverse=True)  # stable: ties keep input order
    rank = np.empty(n, dtype=int)
    rank[by_priority] = np.arange(n)
    placed_by_zoom, sides = [], np.full((n, len(zooms)), RIGHT, dtype=int)
    before, side = np.zeros(n, dtype=bool), np.full(n, RIGHT, dtype=int)
    for k, z in enumerate(zooms):
        order = [i for i in by_priority if before[i]] + [i for i in by_priority if not before[i]]
        boxes = {s: label_boxes(lat, lon, radius, width, z, s) for s in (RIGHT, LEFT)}
        before, side = place_at_zoom(boxes, marker_boxes(lat, lon, radius, z), order, side, rank)
        placed_by_zoom.append(before)
        sides[:, k] = side
    out = np.full(n, NEVER, dtype=int)
    always = np.ones(n, dtype=bool)
    for z, placed in zip(reversed(list(zooms)), reversed(placed_by_zoom), strict=True):
        always &= placed
        out[always] = z
    return out, sides
