"""docs/DEPLOY.md: the reverse-proxy recipe the README points to (security audit 2026-11, findings 4, 19)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_links_the_deploy_recipe_and_it_covers_each_point():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/DEPLOY.md)" in readme
    doc = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    for must in (
        'add_header X-Frame-Options "SAMEORIGIN" always;',  # no framing by other sites (the map is a frame)
        "frame-ancestors 'self'",
        "location = /_stcore/metrics { return 404; }",  # metrics blocked
        "proxy_set_header   Upgrade $http_upgrade;",  # the websocket
        "return 444;",  # any other Host: DNS rebinding
        "auth_request /oauth2/auth;",  # sign-in
        "auth_basic_user_file",
        "--server.address 127.0.0.1",  # the app stays on loopback
    ):
        assert must in doc, must
