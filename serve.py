"""Serve Syria Ceasefire Monitor: ``streamlit run serve.py`` (the README's command).

``streamlit run`` finds the ``st.App`` below and serves ``app.py`` (the pages) through it, with
the response headers of :mod:`webapp.headers`: no framing by other sites, no open
``/_stcore/metrics``.  Every ``--server.*`` flag and ``.streamlit/config.toml`` apply as with
``streamlit run app.py``, which still works but sends none of these headers.
"""
import streamlit as st
from starlette.middleware import Middleware

from webapp.headers import HardenedHeaders

app = st.App("app.py", middleware=[Middleware(HardenedHeaders)])
