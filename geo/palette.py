"""The one colour palette of the project, shared by the folium map (layers/) and the briefing render.

Pure data (hex strings): no folium, no matplotlib.  Colours are chosen to stay distinguishable for
the common colour-vision deficiencies (Okabe-Ito based) and on both light and dark base maps.
"""

from __future__ import annotations

from geo.schema import PARTIES

#: Fill colour of each party's control zone (keys are geo.schema.PARTIES).
PARTY_COLOURS: dict[str, str] = {
    "government": "#D55E00",  # vermilion
    "opposition": "#009E73",  # bluish green
    "hts": "#56B4E9",  # sky blue
    "islamic_state": "#404040",  # dark grey
    "sdf": "#E6C200",  # yellow
    "euphrates_shield": "#CC79A7",  # reddish purple
    "contested": "#A0A0A0",  # grey (drawn hatched in the briefing)
}
#: Zone fill opacity on the map and in the briefing.
ZONE_OPACITY = 0.35

#: Marker colour of each truce class (viewstate.TRUCE_CLASSES).
CLASS_COLOURS: dict[str, str] = {
    "truce_violation": "#B2182B",  # dark red
    "excluded_group": "#2166AC",  # dark blue
    "other_fighting": "#7F3B08",  # brown
    "one_sided": "#762A83",  # purple
    "before_truce": "#6B6B6B",  # grey
}
#: Colour of an event whose class is unknown.
UNCLASSIFIED_COLOUR = "#333333"

#: Boundary lines.
COUNTRY_LINE = "#222222"
GOVERNORATE_LINE = "#666666"
#: Town markers and labels.
TOWN_COLOUR = "#111111"

assert set(PARTY_COLOURS) == set(PARTIES), "every party needs a colour"


def party_colour(party: str) -> str:
    """Colour of ``party`` (grey for an unknown party, never an error)."""
    return PARTY_COLOURS.get(party, PARTY_COLOURS["contested"])


def class_colour(cls: str) -> str:
    """Marker colour of a truce class (dark grey when unknown)."""
    return CLASS_COLOURS.get(cls, UNCLASSIFIED_COLOUR)


#: District choropleth (layers/choropleth.py): one colour per non-zero class, light to dark
#: (ColorBrewer YlOrRd, 7 classes: sequential, colour-blind safe, prints in grey); districts
#: with no event are left unfilled.
CHOROPLETH_COLOURS = ("#FFFFB2", "#FED976", "#FEB24C", "#FD8D3C", "#FC4E2A", "#E31A1C", "#B10026")
CHOROPLETH_OPACITY = 0.7
