"""Static briefing exports (PNG/PDF/SVG) and the standalone interactive HTML of a view."""

from briefing.render import FORMATS, page_size, render_briefing

__all__ = ["FORMATS", "page_size", "render_briefing"]
