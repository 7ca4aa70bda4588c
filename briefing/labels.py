"""Greedy placement of point labels without collisions (matplotlib text in display space).

Labels are placed in priority order; each tries candidate positions around its point and takes
the first whose bounding box stays inside the map frame and overlaps neither an earlier label
nor any point marker.  A label with no free position is left out (its marker stays): a briefing
image must stay readable rather than complete.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Candidate offsets (in points) and alignments, tried in this order: right, left, above, below,
#: then the four diagonals.
_CANDIDATES = (
    ((5, 0), "left", "center"),
    ((-5, 0), "right", "center"),
    ((0, 5), "center", "bottom"),
    ((0, -5), "center", "top"),
    ((4, 4), "left", "bottom"),
    ((-4, 4), "right", "bottom"),
    ((4, -4), "left", "top"),
    ((-4, -4), "right", "top"),
)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in display pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share an area (touching edges do not)."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: Box) -> bool:
        """Whether this box lies wholly inside ``other``."""
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


def place_labels(ax, xs, ys, texts, *, fontsize=9, marker_px=4.0, padding_px=1.5, text_kw=None, obstacles=(),
                 soft_obstacles=()):
    """Add non-colliding labels to ``ax``; return the list of placed ``Text`` artists.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes with its final limits set (positions are measured in display space).
    xs, ys : sequences of float
        Point coordinates in data units, in priority order (most important first).
    texts : sequence of str
        The labels (plain text; matplotlib mathtext is disabled for them).
    fontsize : float
        Font size in points.
    marker_px : float
        Half size of the point markers in display pixels (labels keep clear of every marker).
    padding_px : float
        Extra clearance around each label box.
    text_kw : dict, optional
        More keyword arguments of ``Axes.annotate`` (colour, path effects...).
    obstacles : iterable of Box
        Display-space boxes no label may overlap (scale bar, north arrow...).
    soft_obstacles : iterable of Box
        Boxes a label avoids when it can (e.g. event markers): positions clear of them are
        tried first, then positions that only overlap them.

    Returns
    -------
    list of matplotlib.text.Text
        The placed labels (``len`` <= number of points).
    """
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    to_px = ax.transData.transform
    points = [to_px((x, y)) for x, y in zip(xs, ys, strict=True)]
    placer = _Placer(
        ax=ax,
        renderer=renderer,
        frame=Box(frame.x0, frame.y0, frame.x1, frame.y1),
        markers=[Box(px - marker_px, py - marker_px, px + marker_px, py + marker_px) for px, py in points],
        taken=list(obstacles),
        soft=list(soft_obstacles),
        padding_px=padding_px,
        kw={"fontsize": fontsize, "zorder": 20, "parse_math": False, "clip_on": False, **(text_kw or {})},
    )
    placed = []
    for i, ((x, y), text) in enumerate(zip(zip(xs, ys, strict=True), texts, strict=True)):
        artist = placer.place(i, x, y, text)
        if artist is not None:
            placed.append(artist)
    return placed


@dataclass
class _Placer:
    """The state of one :func:`place_labels` run: the frame, the markers and the boxes taken so far."""

    ax: object
    renderer: object
    frame: Box
    markers: list[Box]
    taken: list[Box]
    soft: list[Box]
    padding_px: float
    kw: dict

    def place(self, i: int, x: float, y: float, text: str):
        """Place the label of point ``i`` at its first free candidate position (None when none is free).

        Positions clear of the soft obstacles are tried first, then positions that only overlap them.
        """
        if not self.markers[i].inside(self.frame):
            return None
        for strict in (True, False) if self.soft else (True,):
            for (dx, dy), ha, va in _CANDIDATES:
                artist = self.ax.annotate(
                    text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **self.kw
                )
                ext = artist.get_window_extent(self.renderer)
                pad = self.padding_px
                box = Box(ext.x0 - pad, ext.y0 - pad, ext.x1 + pad, ext.y1 + pad)
                if self._clashes(box, i, strict):
                    artist.remove()
                    continue
                self.taken.append(box)
                return artist
        return None

    def _clashes(self, box: Box, i: int, strict: bool) -> bool:
        return (
            not box.inside(self.frame)
            or any(box.overlaps(t) for t in self.taken)
            or any(box.overlaps(m) for j, m in enumerate(self.markers) if j != i)
            or (strict and any(box.overlaps(o) for o in self.soft))
        )


def boxes_of(artists, renderer=None) -> list[Box]:
    """Display-space boxes of ``artists`` (obstacles, tests and diagnostics)."""
    out = []
    for artist in artists:
        ext = artist.get_window_extent(renderer if renderer is not None else artist.figure.canvas.get_renderer())
        out.append(Box(ext.x0, ext.y0, ext.x1, ext.y1))
    return out
