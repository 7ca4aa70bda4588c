"""The app side of the dashboard, apart from the pages.

- :mod:`webapp.viewstate`: the view (dates, filters, layers, centre and zoom) and its URL form;
  pure Python, validated, also used by the briefing exports and the CLI's ``render``.
- :mod:`webapp.session`: the Streamlit glue: URL sync, cached loaders, the sidebar and widgets.
- :mod:`webapp.share`: the Map page's share and export panel, and the presentation view.
- :mod:`webapp.internals`: every use of Streamlit's and streamlit-folium's private parts, each
  justified (``tests/test_internals.py`` fails when an upgrade drops one).
- :mod:`webapp.vendor`: writes the local Leaflet scripts that Streamlit serves (the only file I/O here).
"""
