"""Send a map frame only the layer data it does not hold yet (``layers.refs``).

The Map page's frame stays open from rerun to rerun (``st_folium(feature_group_to_add=...)``).
Each rerun, this module says which layer payloads the frame holds, by content hash, so an
event-range step sends the events and not the zones, and a control-date step the zones and
towns and not the events.  What the frame holds is kept per session and per map
(``st.session_state``):

- a new frame (page entered, base map changed: the caller's ``fresh``) holds nothing;
- after a rerun it holds what that rerun used and what it kept (``layers.refs.next_held``);
- when the frame reports a reference it could not resolve (its component value
  ``{"scm_missing": [...]}``, posted by the frame's script through the components protocol that
  streamlit-folium's own frontend uses; streamlit-folium copies the value to
  ``st.session_state[key]`` and calls ``on_change``), the next rerun sends everything in full.
"""

from __future__ import annotations

import streamlit as st

from layers import refs


def _held_key(key: str) -> str:
    return f"_refs_held_{key}"


def _reset_key(key: str) -> str:
    return f"_refs_reset_{key}"


def share_layers(groups: list, *, key: str, fresh: bool) -> list[str]:
    """Write ``groups``' data as references where the frame of map ``key`` holds it.

    Parameters
    ----------
    groups : list of folium.FeatureGroup
        This rerun's ``feature_group_to_add``, not yet rendered.
    key : str
        The ``st_folium`` key of the map.
    fresh : bool
        Whether the map opens a new frame this rerun (it holds nothing then).

    Returns
    -------
    list of str
        The hashes of the payloads sent in full this rerun.
    """
    ss = st.session_state
    reset = ss.pop(_reset_key(key), False)
    held = [] if fresh or reset else list(ss.get(_held_key(key), []))
    used = refs.share_data(groups, held)
    ss[_held_key(key)] = refs.next_held(held, used)
    return [h for h in used if h not in held]


def frame_reported(key: str):
    """The ``st_folium(on_change=...)`` callback of map ``key``.

    Parameters
    ----------
    key : str
        The ``st_folium`` key of the map (streamlit-folium copies the frame's value there).

    Returns
    -------
    callable
        A callback that marks the frame as holding nothing when its value reports missing data,
        so the next rerun sends everything in full (the mark outlives a rerun that is cut short).
    """

    def on_change() -> None:
        if refs.missing_in(st.session_state.get(key)):
            st.session_state[_reset_key(key)] = True

    return on_change
