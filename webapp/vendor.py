"""Materialise the vendor scripts and stylesheets the maps load, from an installed package.

The files come from ``folium-offline`` (a PyPI package pinned in requirements.txt that embeds
folium's web resources), so ``pip install -r requirements.txt`` is the whole set-up: the app
writes them to ``static/vendor/`` at start (Streamlit serves ``./static`` at ``/app/static``).
"""

from __future__ import annotations

import re
from pathlib import Path

from geo.atomic import write_text
from layers.assets import VENDOR_FILES, VENDOR_URL

ROOT = Path(__file__).resolve().parents[1]  # the repository root: Streamlit serves ./static
STATIC_DIR = ROOT / "static"


def vendor_text(name: str) -> str:
    """Content of vendor file ``name`` (see ``layers.assets.VENDOR_FILES``)."""
    from offlinefolium.elements import _res  # noqa: PLC0415 - heavy import, only when needed

    return _res[VENDOR_FILES[name]]


def ensure_vendor(static_dir: Path = STATIC_DIR) -> Path:
    """Write every vendor file to ``static_dir/vendor`` unless already there; return that folder.

    Writes are atomic (temporary file + rename), so concurrent app starts never serve half a file.
    """
    target = Path(static_dir) / "vendor"
    missing = [n for n in VENDOR_FILES if not (target / n).is_file() or (target / n).stat().st_size == 0]
    if not missing:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in missing:
        write_text(target / name, vendor_text(name))
    return target


def inline_assets(html: str) -> str:
    """Replace every ``<script src>``/``<link href>`` to a vendor file by the file's content.

    Gives a standalone HTML page (e.g. an export) that needs neither the app nor a network.
    """

    def script(match: re.Match) -> str:
        body = vendor_text(match.group(1)).replace("</script", "<\\/script")
        return f"<script>{body}</script>"

    def link(match: re.Match) -> str:
        return f"<style>{vendor_text(match.group(1))}</style>"

    prefix = re.escape(VENDOR_URL)
    html = re.sub(rf'<script[^>]*\bsrc="{prefix}/([^"]+)"[^>]*>\s*</script>', script, html)
    html = re.sub(rf'<link[^>]*\bhref="{prefix}/([^"]+)"[^>]*/?>', link, html)
    return html
