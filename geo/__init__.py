"""Pure data logic for Syria Ceasefire Monitor (no streamlit, no folium)."""
