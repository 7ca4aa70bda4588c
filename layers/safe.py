"""The one place where text is escaped before it reaches a map, a popup, a tooltip or a page.

Folium places popup, tooltip and layer-name text inside JavaScript template literals
(backtick strings) that the browser then inserts as HTML.  ``html.escape`` alone is not enough
there: ``${...}`` and a backtick would still run as code, and a trailing backslash would escape
the closing backtick.  :func:`esc` neutralises all of them so the text can only ever be text.
"""

from __future__ import annotations

import html
import math

from geo.memo import IdentityMemo

# Characters that are harmless in HTML but active inside a JS template literal.
_JS_TEMPLATE = str.maketrans(
    {
        "`": "&#96;",
        "$": "&#36;",
        "\\": "&#92;",
        "{": "&#123;",
        "}": "&#125;",
        "\x00": "",
    }
)


def esc(text) -> str:
    """Escape ``text`` for HTML and for JavaScript template literals.

    Parameters
    ----------
    text : object
        Any value; ``None`` and NaN give an empty string, other values are turned into ``str``.

    Returns
    -------
    str
        Text in which ``& < > " '`` are HTML entities and the backtick, ``$``, braces and the
        backslash are numeric entities, so ``</script>``, ``${...}`` and backtick breakouts are
        inert.  The result displays exactly like the input once rendered as HTML.
    """
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    try:
        import pandas as pd

        if text is pd.NA or text is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return html.escape(str(text), quote=True).translate(_JS_TEMPLATE)


def safe_colour(value: str, default: str = "#333333") -> str:
    """Return ``value`` if it is a ``#rgb``/``#rrggbb`` hex colour, else ``default``.

    Colours are written into style attributes and JavaScript; only hex strings pass.

    Parameters
    ----------
    value : str
        The colour to check; anything but a ``#rgb``/``#rrggbb`` string (``None`` included) fails.
    default : str
        Returned when ``value`` is not a hex colour.

    Returns
    -------
    str
        ``value`` unchanged, or ``default``.
    """
    v = str(value or "")
    if len(v) in (4, 7) and v[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in v[1:]):
        return v
    return default


#: JSON text and digest of specs made of shared data (:meth:`JsonSpec.shared_by`), by the data's identity
#: (the data is held, so its id stays its own); the most recently used :data:`SHARED_ENTRIES` are kept.
SHARED_ENTRIES = 16
_SHARED = IdentityMemo(SHARED_ENTRIES)


class JsonSpec:
    """For an element whose script embeds its ``spec`` dict as JSON: ``{{ this.spec_json }}``.

    The same text as ``{{ this.spec|tojson }}`` (the template environment's own JSON policy:
    ``<``, ``>``, ``&`` and ``'`` written as ``\\u`` escapes, so no ``</script>`` can close the
    script), serialised once per element: streamlit-folium renders each element's script twice a
    rerun.  The spec must not change once the element is rendered.

    After :meth:`refer` (``layers.refs``), ``spec_json`` is an expression that gives the spec in
    the map frame: ``scmRef("<hash>", <json>)`` or, when the frame already holds it,
    ``scmRef("<hash>")``, which is ``null`` if the frame does not (the template then draws
    nothing; the frame asks for the data again).
    """

    def _json(self) -> str:
        text = self.__dict__.get("_spec_text")
        if text is None:
            from jinja2.utils import htmlsafe_json_dumps

            policies = self._template.environment.policies
            text = htmlsafe_json_dumps(self.spec, dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"])
            self.__dict__["_spec_text"] = text
        return text

    @property
    def spec_json(self):
        ref = self.__dict__.get("_ref")
        if ref is None:
            return self._json()
        return ref

    @property
    def content_hash(self) -> str:
        """A digest of the spec's JSON text (SHA-1, hex): equal specs, equal hashes."""
        digest = self.__dict__.get("_hash")
        if digest is None:
            import hashlib

            digest = self.__dict__["_hash"] = hashlib.sha1(str(self._json()).encode()).hexdigest()
        return digest

    def shared_by(self, data, variant: tuple = ()) -> None:
        """Say the spec is made of ``data`` alone, read-only data kept between reruns (e.g. worked out
        once per store version): its JSON text and digest are then worked out once per ``data`` object,
        not once per element.

        Parameters
        ----------
        data : object
            What the spec is made of (the spec itself, or the object its parts come from); it must
            never change once shared.
        variant : tuple, optional
            Whatever else the spec is made of (plain values, e.g. the element's options).
        """
        text, digest = _SHARED.get_or_make((data,), (type(self).__name__, variant), lambda: (self._json(), self.content_hash))
        self.__dict__["_spec_text"], self.__dict__["_hash"] = text, digest

    def add_kept(self, parent, data, shared: bool, variant: tuple = ()):
        """``add_to(parent)``, after :meth:`shared_by` ``(data, variant)`` when ``shared`` (``data`` is
        kept between reruns); the one way the layers' ``*_group`` functions add their element.

        Parameters
        ----------
        parent : branca Element
            Where the element goes (a feature group).
        data : object
            What the spec is made of (see :meth:`shared_by`).
        shared : bool
            Whether ``data`` is kept between reruns.
        variant : tuple, optional
            As :meth:`shared_by`.

        Returns
        -------
        JsonSpec
            This element.
        """
        if shared:
            self.shared_by(data, variant)
        return self.add_to(parent)

    def refer(self, digest: str, *, inline: bool) -> None:
        """Write the spec as a reference to ``digest``, with the data when ``inline``.

        Parameters
        ----------
        digest : str
            :attr:`content_hash` (hex digits only).
        inline : bool
            Whether the data goes with the reference (a frame that does not hold it yet).
        """
        if not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("a layer data reference must be a hex digest")
        body = f", {self._json()}" if inline else ""
        self.__dict__["_ref"] = f'scmRef("{digest}"{body})'
