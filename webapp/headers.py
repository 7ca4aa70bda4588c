"""HTTP hardening around the Streamlit server (``serve.py``; security audit, finding 4).

Streamlit has no option to send response headers or to turn off its Prometheus endpoint.  Its
ASGI entry point (``st.App``) takes middleware, so ``serve.py`` wraps the app in
:class:`HardenedHeaders`:

- every HTTP response says that only this site may frame it (``X-Frame-Options: SAMEORIGIN`` and
  ``Content-Security-Policy: frame-ancestors 'self'``). Same origin, not ``none``: the map and the
  other components are frames that the app's own page loads from the app's own origin;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (a shared link's view
  state is not sent to outside sites as a referrer);
- ``/_stcore/metrics`` (memory and session counts, open to anyone who can reach the port) answers
  404.  ``MONITOR_SERVE_METRICS=1`` serves it again, for an operator who scrapes it on loopback.

Pure ASGI, no Streamlit import: the websocket passes through untouched.
"""
from __future__ import annotations

import os

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
"""The headers added to every HTTP response (names in lower case, as ASGI carries them)."""

METRICS_PATH = "/_stcore/metrics"


def metrics_served(environ: dict[str, str] | None = None) -> bool:
    """Whether ``/_stcore/metrics`` is served (``MONITOR_SERVE_METRICS=1``; off by default).

    Parameters
    ----------
    environ : dict, optional
        The environment to read; ``os.environ`` when omitted.

    Returns
    -------
    bool
    """
    return (os.environ if environ is None else environ).get("MONITOR_SERVE_METRICS", "") == "1"


def with_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with :data:`HEADERS` added; a header the app already set is replaced.

    Parameters
    ----------
    headers : list of (bytes, bytes)
        A response's raw ASGI headers.

    Returns
    -------
    list of (bytes, bytes)
    """
    ours = {name for name, _ in HEADERS}
    return [(k, v) for k, v in headers if k.lower() not in ours] + list(HEADERS)


def is_metrics(path: str) -> bool:
    """Whether a request path is Streamlit's metrics endpoint (under any ``baseUrlPath``).

    Parameters
    ----------
    path : str
        The request's path (ASGI ``scope["path"]``).

    Returns
    -------
    bool
    """
    return path.rstrip("/").endswith(METRICS_PATH)


class HardenedHeaders:
    """ASGI middleware: adds :data:`HEADERS` to HTTP responses and hides the metrics endpoint.

    Parameters
    ----------
    app : ASGI application
        The application to wrap (Streamlit's, inside ``st.App``).
    serve_metrics : bool, optional
        Serve ``/_stcore/metrics``; :func:`metrics_served` when omitted.
    """

    def __init__(self, app, serve_metrics: bool | None = None) -> None:
        self.app = app
        self.serve_metrics = metrics_served() if serve_metrics is None else serve_metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.serve_metrics and is_metrics(scope["path"]):
            await _not_found(send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_headers(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _not_found(send) -> None:
    """Answer 404 with a plain-text body (and the same hardening headers)."""
    body = b"Not found\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": with_headers(headers)})
    await send({"type": "http.response.body", "body": body})
