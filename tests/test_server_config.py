"""The shipped Streamlit configuration keeps the safe defaults (security audit, finding 4 and 19)."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text("utf-8"))


def test_server_listens_on_loopback_only_by_default():
    assert CONFIG["server"]["address"] == "127.0.0.1"


def test_xsrf_cors_and_upload_limit_are_kept():
    server = CONFIG["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert 0 < server["maxUploadSize"] <= 50  # MB


def test_no_usage_statistics_and_no_error_details():
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_the_websocket_answers_only_loopback_host_names_by_default():
    assert CONFIG["server"]["allowedHosts"] == ["localhost", "127.0.0.1"]
