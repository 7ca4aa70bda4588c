"""Untrusted text (report titles, file names) never reaches the page as Markdown or HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("steady_navigation")

ROOT = Path(__file__).resolve().parents[1]
PIXEL = "![px](http://127.0.0.2:9/title-leak.png)"


def test_sources_page_messages_are_not_markdown(tmp_path, monkeypatch):
    """A report title with a Markdown image would make the browser fetch an outside URL (audit finding 2)."""
    monkeypatch.setenv("MONITOR_STORE", str(tmp_path / "store.gpkg"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.session_state["src_messages"] = [("success", f"r.md: 1 town(s) cited; title: {PIXEL}; date: unknown"),
                                        ("error", f"{PIXEL}.txt: refused")]
    at.switch_page("pages/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = [a.value for a in (*at.success, *at.error)]
    assert len(shown) == 2
    for text in shown:
        assert "title-leak.png" in text.replace("\\", "")  # the text is shown (Markdown-escaped) ...
        assert "![" not in text and "](" not in text  # ... but cannot form a Markdown image or link
