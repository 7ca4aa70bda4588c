"""Already-rendered map script is kept as text, not compiled again as a Jinja template.

folium renders each element's template, then wraps the *result* in ``branca.element.Element(text)``,
whose constructor compiles that text as a new Jinja template (``jinja2.Template(text)``), to render it
once more, unchanged, when the map is written out.  Compiling generated script costs about a
millisecond per element on every rerun of the Map page (9.6 s at 100,000 events in the
performance audit, issue 12), and it renders nothing: the text has no template syntax left.

:func:`install` makes branca's ``Element`` keep such text as it is (:class:`Literal`): text without
Jinja delimiters renders exactly as Jinja would render it (one trailing newline dropped, line ends
as ``\\n``); any text that has a delimiter still goes to Jinja, as before.  Map text from sources
never carries a delimiter: ``layers.safe.esc`` writes ``{`` as an entity.

Installed when ``layers`` is imported; ``tests/test_rendered.py`` checks that maps come out
byte-identical with and without it.
"""

from __future__ import annotations

import re

import branca.element
import jinja2

#: What starts a Jinja construct (default delimiters: expressions, statements, comments).
_DELIMITER = re.compile(r"\{[{%#]")


class Literal:
    """Text rendered as it is: a Jinja template without template syntax, minus the compiling.

    Parameters
    ----------
    text : str
        Template text with no Jinja delimiter.
    """

    def __init__(self, text: str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text[:-1] if text.endswith("\n") else text  # Jinja's keep_trailing_newline=False

    def render(self, *args, **kwargs) -> str:
        """The text (the context is ignored: there is nothing to fill in)."""
        return self.text


def template(text: str):
    """A template for ``text``: :class:`Literal` when it has no Jinja delimiter, else ``jinja2.Template``.

    Parameters
    ----------
    text : str
        Template text.

    Returns
    -------
    Literal or jinja2.Template
    """
    return jinja2.Template(text) if _DELIMITER.search(text) else Literal(text)


def install() -> None:
    """Make ``branca.element.Element(text)`` use :func:`template` (idempotent)."""
    branca.element.Template = template


def uninstall() -> None:
    """Give branca back ``jinja2.Template`` (tests compare the two)."""
    branca.element.Template = jinja2.Template
