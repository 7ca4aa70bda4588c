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


def test_closed_sessions_are_let_go_soon():
    # twenty page loads in a row must not hold twenty sessions for two minutes (issue 12, "memory flat")
    assert 0 < CONFIG["server"]["disconnectedSessionTTL"] <= 30


def test_no_full_garbage_collection_after_every_run():
    # 40 % of the server's CPU under ten sessions, which the other sessions' reruns waited for (issue 13)
    assert CONFIG["runner"]["postScriptGC"] is False


def test_the_websocket_answers_only_loopback_host_names_by_default():
    assert CONFIG["server"]["allowedHosts"] == ["localhost", "127.0.0.1"]


# --- the served app's headers (serve.py, webapp/headers.py) ------------------------------------
def _call(middleware, scope) -> list[dict]:
    """Run one request through ``middleware`` around an app that answers 200; the sent messages."""
    import asyncio
    import concurrent.futures

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html"), (b"X-Frame-Options", b"ALLOWALL")]})
        await send({"type": "http.response.body", "body": b"app"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    # a thread of its own: in the whole suite, the browser tests' Playwright leaves an event loop
    # running in the main thread, where asyncio.run refuses to start
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(inner)(scope, receive, send)).result()
    return sent


def test_responses_get_the_headers_and_replace_a_weaker_one():
    from webapp.headers import HEADERS, HardenedHeaders

    sent = _call(lambda app: HardenedHeaders(app, serve_metrics=False), {"type": "http", "path": "/"})
    headers = sent[0]["headers"]
    assert [h for h in headers if h[0].lower() == b"x-frame-options"] == [(b"x-frame-options", b"SAMEORIGIN")]
    assert set(HEADERS) <= set(headers) and (b"content-type", b"text/html") in headers
    assert sent[1]["body"] == b"app"


def test_metrics_answer_404_under_any_base_path_unless_the_operator_serves_them():
    from webapp.headers import HardenedHeaders, metrics_served

    for path in ("/_stcore/metrics", "/monitor/_stcore/metrics/"):
        sent = _call(lambda app: HardenedHeaders(app, serve_metrics=False), {"type": "http", "path": path})
        assert sent[0]["status"] == 404 and b"app" not in sent[1]["body"]
    sent = _call(lambda app: HardenedHeaders(app, serve_metrics=True), {"type": "http", "path": "/_stcore/metrics"})
    assert sent[0]["status"] == 200
    assert not metrics_served({}) and metrics_served({"MONITOR_SERVE_METRICS": "1"})


def test_streamlit_run_finds_the_app_object_in_serve_py():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(__file__).resolve().parents[1] / "serve.py")
    assert found.is_asgi_app and found.import_string == "serve:app"
