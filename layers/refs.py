"""Layer data sent once to a map frame, then referred to by content hash.

streamlit-folium hands the whole script of every dynamic layer to the map frame at each rerun.
Most reruns change one layer: an event-range step changes the events, a control-date step the
zones and towns.  :func:`share_data` lets the unchanged ones be sent as a reference: each
element whose data is a :class:`layers.safe.JsonSpec` is written either as
``scmRef("<hash>", {...data...})`` (the frame keeps the data under its hash) or, when the frame
already holds it, as ``scmRef("<hash>")``.

The caller (``webapp.mapframe``) says which hashes the frame holds.  That is a belief, not a
certainty (a frame can be replaced, a rerun's message superseded before the frame saw it), so
the frame checks: a reference it cannot resolve leaves that layer undrawn, shows a note on the
map and asks for the data again (a component value ``{"scm_missing": [...]}``, which reruns the
app); the caller then sends everything in full.  Nothing is drawn from a stale or guessed copy.

Pure layer logic: no streamlit, no I/O.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template

from layers.safe import JsonSpec

#: How many layer payloads a frame keeps (the most recently used): enough to step back and forth
#: between two views (zones, events, towns, cells) without sending any of them again.
KEEP = 8

#: The component value a frame sends when it lacks data it was referred to.
MISSING = "scm_missing"


class RefCache(MacroElement):
    """Defines ``scmRef`` in the map frame and drops every cached payload not in ``keep``.

    Its script must run before any layer that refers to data: :func:`share_data` makes it the
    first child of the first group.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var refs = window.scmRefs || (window.scmRefs = {data: {}, missing: []});
  var keep = {{ this.keep_json }}, kept = {};
  keep.forEach(function (h) { if (Object.prototype.hasOwnProperty.call(refs.data, h)) { kept[h] = refs.data[h]; } });
  refs.data = kept;
  refs.missing = [];
  var note = document.getElementById("scm-refs-note");
  if (note) { note.remove(); }
  function askAgain() {
    var box = document.createElement("div");
    box.id = "scm-refs-note";
    box.textContent = "Reloading map layers\u2026";
    box.style.cssText = "position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:1000;"
      + "background:#fff;border:1px solid #888;border-radius:4px;padding:2px 8px;font:13px sans-serif;";
    document.body.appendChild(box);
    console.warn("map layers not held by this frame, asked again:", refs.missing.join(", "));
    window.parent.postMessage({isStreamlitMessage: true, type: "streamlit:setComponentValue",
      value: {"{{ this.missing_key }}": refs.missing.slice(), at: Date.now()}, dataType: "json"}, "*");
  }
  window.scmRef = function (h, d) {
    if (d !== undefined) { refs.data[h] = d; return d; }
    if (Object.prototype.hasOwnProperty.call(refs.data, h)) { return refs.data[h]; }
    refs.missing.push(h);
    if (refs.missing.length === 1) { setTimeout(askAgain, 0); }
    return null;
  };
})();
{% endmacro %}
""")

    def __init__(self, keep):
        super().__init__()
        self._name = "RefCache"
        self.keep_json = json.dumps(sorted(keep))  # hex digests only
        self.missing_key = MISSING


def data_elements(groups) -> list:
    """Every element of ``groups`` (at any depth) whose data is a :class:`JsonSpec`.

    Parameters
    ----------
    groups : list of branca.element.Element
        Feature groups (or any elements with ``_children``).

    Returns
    -------
    list of JsonSpec
        In the order their scripts run (depth first, children in order).
    """
    found, stack = [], list(reversed(groups))
    while stack:
        el = stack.pop()
        if isinstance(el, JsonSpec):
            found.append(el)
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))
    return found


def share_data(groups: list[folium.FeatureGroup], held) -> list[str]:
    """Write each layer's data as a reference when the frame holds it, in full otherwise.

    Parameters
    ----------
    groups : list of folium.FeatureGroup
        The groups handed to ``st_folium(feature_group_to_add=...)``, not yet rendered.
    held : iterable of str
        The hashes the frame is believed to hold (none for a new frame).  The frame keeps these
        and drops any other payload before this rerun's layers run.

    Returns
    -------
    list of str
        The hashes of the data these groups use, in order (duplicates removed).
    """
    held = set(held)
    used = []
    for el in data_elements(groups):
        h = el.content_hash
        el.refer(h, inline=h not in held)
        used.append(h)
    if groups:
        first = groups[0]
        cache = RefCache(held)
        cache.add_to(first)
        first._children.move_to_end(cache.get_name(), last=False)  # runs before any layer
    return list(dict.fromkeys(used))


def next_held(held, used) -> list[str]:
    """What the frame holds once it has run a rerun's layers: ``used`` after whatever of ``held``
    it keeps, the most recently used last, at most :data:`KEEP`.

    Parameters
    ----------
    held : sequence of str
        The hashes the frame held before (oldest first).
    used : sequence of str
        The hashes this rerun's layers use (:func:`share_data`).

    Returns
    -------
    list of str
        Oldest first.
    """
    return list(dict.fromkeys([*(h for h in held if h not in used), *used]))[-KEEP:]


def missing_in(value) -> bool:
    """Whether a map frame's component value asks for data it lacks (see the module docstring).

    Parameters
    ----------
    value : object
        The map's component value (``st.session_state[key]`` after ``st_folium``'s ``on_change``).

    Returns
    -------
    bool
        True for a dict whose :data:`MISSING` entry lists at least one hash.
    """
    return isinstance(value, dict) and bool(value.get(MISSING))
