"""Folium layers for Syria Ceasefire Monitor: GeoDataFrames in, map layers out (no I/O, no streamlit)."""
