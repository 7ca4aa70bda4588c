"""The app's websocket refuses a request naming another host (DNS rebinding; security audit,
finding 4): ``server.allowedHosts`` in ``.streamlit/config.toml``."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlparse


def _handshake(url: str, host: str) -> str:
    """The status line the app answers a websocket upgrade of its stream naming ``host``."""
    u = urlparse(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n")
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(request.encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_the_stream_answers_its_own_host_names_and_refuses_others(app_url):
    port = urlparse(app_url).port
    assert " 101 " in _handshake(app_url, f"127.0.0.1:{port}")
    assert " 101 " in _handshake(app_url, f"localhost:{port}")
    for other in (f"rebind.example:{port}", "attacker.test", f"127.0.0.1.evil.example:{port}"):
        status = _handshake(app_url, other)
        assert " 101 " not in status and status.startswith("HTTP/1.1 4"), (other, status)
