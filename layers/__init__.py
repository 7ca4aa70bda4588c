"""Folium layers for Syria Ceasefire Monitor: GeoDataFrames in, map layers out (no I/O, no streamlit)."""

from layers.rendered import install as _keep_rendered_script_as_text

# Rendered map script is not compiled again as a Jinja template (layers/rendered.py: measured, issue 12).
_keep_rendered_script_as_text()
