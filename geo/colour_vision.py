"""Colour differences as people with colour-vision deficiencies see them (pure numpy).

Used to check the palette of ``geo/vocabulary.py`` (``bench/colour_check.py`` prints the
table, ``tests/test_colour_vision.py`` asserts the minimum).

- Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for
  simulation of color vision deficiency", severity 1.0 matrices (protanopia, deuteranopia,
  tritanopia), applied to linear sRGB and clipped to the gamut (as ``colorspacious``'s
  ``machado2009`` does).
- Difference: CIEDE2000 (Sharma, Wu & Dalal 2005) between CIELAB colours (D65 white).
- What the eye sees of a zone: its colour laid over the map background at the zone opacity
  (:func:`blend`), since zones are drawn translucent.
"""

from __future__ import annotations

import numpy as np

#: Machado et al. (2009), severity 1.0, for linear RGB.
MACHADO_2009: dict[str, np.ndarray] = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
#: The vision types a palette is checked under ("normal" = no simulation).
VISIONS: tuple[str, ...] = ("normal", *MACHADO_2009)

_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def hex_to_rgb(colour: str) -> np.ndarray:
    """``"#rrggbb"`` (or ``#rgb``) -> sRGB in [0, 1].

    Parameters
    ----------
    colour : str
        A hex colour.

    Returns
    -------
    numpy.ndarray
        Shape (3,).
    """
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255.0


def _to_linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate(rgb: np.ndarray, vision: str) -> np.ndarray:
    """sRGB colour(s) as seen with ``vision`` (Machado 2009, severity 1.0).

    Parameters
    ----------
    rgb : numpy.ndarray
        sRGB in [0, 1], shape (..., 3).
    vision : str
        One of :data:`VISIONS`; ``"normal"`` returns the colour unchanged.

    Returns
    -------
    numpy.ndarray
        sRGB in [0, 1], same shape.
    """
    if vision == "normal":
        return np.asarray(rgb, dtype=float)
    matrix = MACHADO_2009[vision]
    return _to_srgb(_to_linear(np.asarray(rgb, dtype=float)) @ matrix.T)


def blend(rgb: np.ndarray, background: np.ndarray, opacity: float) -> np.ndarray:
    """``rgb`` drawn at ``opacity`` over ``background`` (alpha compositing in sRGB, as browsers do).

    Parameters
    ----------
    rgb, background : numpy.ndarray
        sRGB in [0, 1].
    opacity : float
        Alpha of the colour, 0..1.

    Returns
    -------
    numpy.ndarray
    """
    return opacity * np.asarray(rgb, dtype=float) + (1.0 - opacity) * np.asarray(background, dtype=float)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] -> CIELAB (D65).

    Parameters
    ----------
    rgb : numpy.ndarray
        Shape (..., 3).

    Returns
    -------
    numpy.ndarray
        L*, a*, b*; shape (..., 3).
    """
    xyz = _to_linear(np.asarray(rgb, dtype=float)) @ _SRGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1).

    Parameters
    ----------
    lab1, lab2 : array-like
        L*, a*, b*.

    Returns
    -------
    float
    """
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dh = h2p - h1p
    if c1p * c2p == 0:
        dh = 0.0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    d_lp, d_cp = L2 - L1, c2p - c1p
    d_hp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((d_lp / s_l) ** 2 + (d_cp / s_c) ** 2 + (d_hp / s_h) ** 2
                         + r_t * (d_cp / s_c) * (d_hp / s_h)))


def seen_difference(colour1: str, colour2: str, vision: str = "normal", *, background: str | None = None,
                    opacity1: float = 1.0, opacity2: float = 1.0) -> float:
    """CIEDE2000 between two hex colours as seen with ``vision``, each optionally translucent.

    Parameters
    ----------
    colour1, colour2 : str
        Hex colours.
    vision : str
        One of :data:`VISIONS`.
    background : str, optional
        The colour under translucent colours (required when an opacity is below 1).
    opacity1, opacity2 : float
        Opacity of each colour over ``background``.

    Returns
    -------
    float
        ΔE00 between the two simulated colours.
    """
    seen = []
    for colour, alpha in ((colour1, opacity1), (colour2, opacity2)):
        rgb = hex_to_rgb(colour)
        if alpha < 1.0:
            if background is None:
                raise ValueError("a translucent colour needs a background")
            rgb = blend(rgb, hex_to_rgb(background), alpha)
        seen.append(to_lab(simulate(rgb, vision)))
    return ciede2000(seen[0], seen[1])


# --- the project's palette ------------------------------------------------------------------

#: The map's background (``layers/assets.py`` ``.leaflet-container``): what translucent zones lie on.
MAP_BACKGROUND = "#eef1f4"
#: Smallest ΔE00, under every vision of :data:`VISIONS`, required for each group of pairs.
#: Zones are compared as drawn (translucent over the background), which leaves far less room
#: than opaque colours: 9 is the most a search over sRGB found for seven zone colours of the
#: usual hues at the map's zone opacity (9.6), so the bar is set just under it.
MIN_DIFFERENCE: dict[str, float] = {
    "zones as drawn": 9.0,
    "event classes": 15.0,
    "alleged perpetrators": 10.0,
    "event outline on a zone": 30.0,
    "event fill on its own party's zone": 0.0,
}
#: Groups listed for information only (no minimum): an event dot coloured by its alleged
#: perpetrator on that party's zone is told apart by its dark outline, not by its fill.
INFORMATION_ONLY = ("event fill on its own party's zone",)


def palette_pairs() -> list[tuple[str, str, str, str, float, str, str, float]]:
    """Every pair of map colours that must be told apart, by group.

    Returns
    -------
    list of tuple
        ``(group, name1, colour1, opacity1, name2, colour2, opacity2)`` rows: zone colours as
        drawn (at ``geo.palette.ZONE_OPACITY``) against each other and the bare background; the
        truce-class colours (with "unclassified") against each other; the alleged-perpetrator
        colours (with "unclassified") against each other; the events' outline against every
        zone as drawn; each perpetrator's colour against its own zone as drawn (information).
    """
    from geo.palette import ZONE_OPACITY
    from geo.vocabulary import (
        EVENT_OUTLINE,
        PARTY,
        PERPETRATOR_PARTIES,
        TRUCE_CLASS,
        UNCLASSIFIED,
        ZONE_PARTIES,
    )

    op = float(ZONE_OPACITY)
    zones = [(f"zone {p}", PARTY[p].colour, op) for p in ZONE_PARTIES]
    unclassified = ("unclassified", UNCLASSIFIED.colour, 1.0)
    classes = [(c, t.colour, 1.0) for c, t in TRUCE_CLASS.items()] + [unclassified]
    parties = [(p, PARTY[p].colour, 1.0) for p in PERPETRATOR_PARTIES] + [unclassified]
    groups = {
        "zones as drawn": _pairs(zones + [("no zone", MAP_BACKGROUND, 1.0)]),
        "event classes": _pairs(classes),
        "alleged perpetrators": _pairs(parties),
        "event outline on a zone": [(("event outline", EVENT_OUTLINE, 1.0), z) for z in zones],
        "event fill on its own party's zone": [(e, z) for e, z in zip(parties[:-1], zones, strict=False)
                                               if z[0] == f"zone {e[0]}"],
    }
    return [(group, *a, *b) for group, pairs in groups.items() for a, b in pairs]


def _pairs(items: list) -> list:
    return [(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))]


def palette_table() -> list[dict]:
    """ΔE00 of every pair of :func:`palette_pairs` under every vision.

    Returns
    -------
    list of dict
        ``group``, ``pair`` ("a / b"), one ΔE00 per vision of :data:`VISIONS`, ``min`` and the
        group's ``required`` minimum (:data:`MIN_DIFFERENCE`).
    """
    rows = []
    for group, n1, c1, o1, n2, c2, o2 in palette_pairs():
        row = {"group": group, "pair": f"{n1} / {n2}"}
        for vision in VISIONS:
            row[vision] = seen_difference(c1, c2, vision, background=MAP_BACKGROUND, opacity1=o1, opacity2=o2)
        row["min"] = min(row[v] for v in VISIONS)
        row["required"] = MIN_DIFFERENCE[group]
        rows.append(row)
    return rows
