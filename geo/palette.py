"""The one colour palette of the project, shared by the folium map (layers/) and the briefing render.

Pure data (hex strings): no folium, no matplotlib.  The colours of parties and truce classes are
part of their vocabulary terms (``geo/vocabulary.py``); this module adds the colours that name
no code (lines, towns, the choropleth) and the lookups.  Colours are chosen to stay
distinguishable for the common colour-vision deficiencies (Okabe-Ito based) and on both light
and dark base maps.
"""

from __future__ import annotations

from geo.vocabulary import CONTESTED, PARTY, TRUCE_CLASS, UNCLASSIFIED, ZONE_PARTIES

#: Fill colour of each party's control zone (keys are ``geo.vocabulary.ZONE_PARTIES``).
PARTY_COLOURS: dict[str, str] = {p: PARTY[p].colour for p in ZONE_PARTIES}
#: Zone fill opacity on the map and in the briefing.
ZONE_OPACITY = 0.35

#: Marker colour of each truce class (``geo.vocabulary.TRUCE_CLASSES``).
CLASS_COLOURS: dict[str, str] = {c: t.colour for c, t in TRUCE_CLASS.items()}
#: Colour of an event whose class is unknown.
UNCLASSIFIED_COLOUR = UNCLASSIFIED.colour

#: Boundary lines.
COUNTRY_LINE = "#222222"
GOVERNORATE_LINE = "#666666"
#: Town markers and labels.
TOWN_COLOUR = "#111111"

assert all(PARTY_COLOURS.values()), "every zone party needs a colour"
assert all(CLASS_COLOURS.values()), "every truce class needs a colour"


def party_colour(party: str) -> str:
    """Colour of ``party`` (grey for an unknown party, never an error).

    Parameters
    ----------
    party : str
        A zone party (``geo.vocabulary.ZONE_PARTIES``).

    Returns
    -------
    str
        Hex colour.
    """
    return PARTY_COLOURS.get(party, PARTY_COLOURS[CONTESTED])


def class_colour(cls: str) -> str:
    """Marker colour of a truce class (dark grey when unknown).

    Parameters
    ----------
    cls : str
        A truce class code.

    Returns
    -------
    str
        Hex colour.
    """
    return CLASS_COLOURS.get(cls, UNCLASSIFIED_COLOUR)


#: District choropleth (layers/choropleth.py): one colour per non-zero class, light to dark
#: (ColorBrewer YlOrRd, 7 classes: sequential, colour-blind safe, prints in grey); districts
#: with no event are left unfilled.
CHOROPLETH_COLOURS = ("#FFFFB2", "#FED976", "#FEB24C", "#FD8D3C", "#FC4E2A", "#E31A1C", "#B10026")
CHOROPLETH_OPACITY = 0.7
