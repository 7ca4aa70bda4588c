"""Ingest of analysts' reports: plain text, Markdown or HTML, in UTF-8 or cp1256.

``read_document(path)`` / ``parse_document(data, filename)`` return a :class:`Document`: the
text the mention offsets refer to, and its title, outlet and publication date, taken from the
document (HTML meta tags such as ``og:title``, ``og:site_name``, ``article:published_time``;
Markdown front matter or first heading; a byline date or a dateline such as
"BEIRUT, Jan 23 (Reuters) -") unless given explicitly (explicit values win).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from geo.encoding import decode
from geo.schema import InputError, Problem
from geo.validate import MONTHS, drop_bidi
from geo.validate import parse_date as parse_one_date

__all__ = ["Document", "parse_date", "parse_document", "read_document"]

#: Largest document accepted (characters of text).
MAX_CHARS = 5_000_000

_MONTH_RE = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),
    re.compile(_MONTH_RE + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]
#: Outlets recognised in bylines, datelines and site names (canonical spelling).
OUTLETS = [
    "Reuters", "Associated Press", "AFP", "Agence France-Presse", "Al Jazeera", "BBC", "Bloomberg",
    "Voice of America", "VOA", "The Guardian", "The New York Times", "The Washington Post",
    "Al-Monitor", "Middle East Eye", "Syria Direct", "Enab Baladi", "SANA", "TASS", "RT", "Sputnik",
    "Anadolu Agency", "Daily Sabah", "Hurriyet Daily News", "Asharq Al-Awsat", "The National", "CNN",
    "France 24", "Deutsche Welle", "UN News", "OCHA", "ReliefWeb", "Human Rights Watch",
    "Amnesty International", "Syrian Observatory for Human Rights", "Al-Masdar News",
    "Long War Journal", "Institute for the Study of War", "GlobalSecurity.org", "The Independent",
    "The Telegraph", "Financial Times", "The Wall Street Journal", "NPR", "Al Arabiya", "Xinhua",
    "Kurdistan24", "Rudaw", "ANHA", "Hawar News", "Orient News", "Zaman al-Wasl", "IRIN",
]
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z .'-]{1,40}?)(?:,\s*(?P<when>[A-Za-z]{3,9}\.?\s+\d{1,2}))?\s*"
    r"\((?P<outlet>Reuters|AP|AFP|AFP/Getty|SANA|Xinhua|Anadolu|VOA)\)\s*[-–—]",
    re.M,
)
_OUTLET_ALIASES = {"AP": "Associated Press", "AFP/Getty": "AFP", "Anadolu": "Anadolu Agency"}


@dataclass(frozen=True)
class Document:
    """One ingested report.

    ``text`` is what mention offsets refer to (HTML reduced to its visible text; plain text
    and Markdown as decoded, line endings unified to ``\\n``).  ``published`` is an ISO date
    string or "".
    """

    doc_id: str
    text: str
    title: str = ""
    outlet: str = ""
    published: str = ""
    url: str = ""
    source_file: str = ""
    encoding: str = "utf-8"
    format: str = "text"
    metadata_from: dict = field(default_factory=dict, compare=False)

    def record(self) -> dict:
        """The row of the ``documents`` table."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
            "source_file": self.source_file,
        }


def content_id(text: str) -> str:
    """``doc:`` + the first 16 hex digits of the SHA-256 of the (NFC) text.

    Parameters
    ----------
    text : str
        The document text.

    Returns
    -------
    str
        The content id, e.g. ``doc:0123456789abcdef``.
    """
    digest = hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()
    return f"doc:{digest[:16]}"


def parse_date(value: str) -> str:
    """An ISO ``YYYY-MM-DD`` from an ISO date/timestamp or an English written date, else "".

    The first date written in ``value`` is found by pattern and read by the one date parser
    (:func:`geo.validate.parse_date`).

    Parameters
    ----------
    value : str
        Text that may hold a date; None or empty gives "".

    Returns
    -------
    str
        The first date found as ``YYYY-MM-DD``, or "".
    """
    value = (value or "").strip()
    if not value:
        return ""
    for pattern in _DATE_PATTERNS:
        m = pattern.search(value)
        day = parse_one_date(m.group(0)) if m else None
        if day is not None:
            return day.date().isoformat()
    return ""


def check_date_option(value: str | None) -> str | None:
    """An explicit publication date: ISO ``YYYY-MM-DD`` or None; raises ``InputError`` otherwise.

    The problem's column is the option's name, ``date`` (code ``bad_option``); front ends word it.

    Parameters
    ----------
    value : str or None
        The date option as given; None when not given.

    Returns
    -------
    str or None
        The date as ``YYYY-MM-DD``, or None.
    """
    try:
        return _check_option_date(value)
    except InputError as exc:
        raise InputError([Problem(p.row, "date", p.reason, code="bad_option") for p in exc.problems]) from None


def _check_option_date(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    day = parse_one_date(value, iso_only=True)
    if day is None:
        raise InputError([Problem(None, "date", f"{value!r} is not a date in the form YYYY-MM-DD")])
    return day.date().isoformat()


# --- HTML -----------------------------------------------------------------------------------

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "section", "article", "header", "footer", "blockquote", "figcaption", "figure", "pre",
          "hr", "dd", "dt", "title", "main", "aside", "nav"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "form", "button", "select"}


class _HTMLText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._h1 = ""
        self._in_h1 = False
        self.times: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Note an opening tag: meta values, canonical link, ``<time>`` dates, title/h1, skipped/block tags.

        Parameters
        ----------
        tag : str
            The tag name (lower case, as :class:`html.parser.HTMLParser` gives it).
        attrs : list of (str, str or None)
            The tag's attributes.

        Returns
        -------
        None
            The parser's state is updated.
        """
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
            if key and "content" in a and key not in self.meta:
                self.meta[key] = a["content"].strip()
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"].strip())
        elif tag == "time" and a.get("datetime"):
            self.times.append(a["datetime"])
        if tag == "body":
            self._skip = 0  # a <head> left open ends where the body starts
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True
        if tag in _SKIP:
            self._skip += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        """Note a closing tag: end of title/h1 or of a skipped element; a line break after a block.

        Parameters
        ----------
        tag : str
            The tag name (lower case).

        Returns
        -------
        None
            The parser's state is updated.
        """
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        """Collect text into the title, else the h1 heading and the body text (outside skipped tags).

        Parameters
        ----------
        data : str
            A run of text between tags.

        Returns
        -------
        None
            The parser's state is updated.
        """
        if self._in_title:
            self.title += data
            return
        if self._in_h1:
            self._h1 += data
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        raw = "".join(self.parts).replace("\xa0", " ")
        lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in raw.split("\n")]
        out, blank = [], 0
        for line in lines:
            if line:
                if blank and out:
                    out.append("")
                out.append(line)
                blank = 0
            else:
                blank += 1
        return "\n".join(out) + "\n"


def _from_html(source: str) -> tuple[str, dict]:
    parser = _HTMLText()
    try:
        parser.feed(source)
        parser.close()
    except AssertionError as exc:  # html.parser's one refusal: a broken marked section ("<![bogus[")
        raise InputError([Problem(None, None, f"the HTML could not be read: {exc}")]) from None
    meta = parser.meta
    found = {}
    for key in ("og:title", "twitter:title", "dc.title", "headline"):
        if meta.get(key):
            found["title"] = (meta[key], f"meta {key}")
            break
    else:
        if parser.title.strip():
            found["title"] = (re.sub(r"\s+", " ", parser.title).strip(), "<title>")
        elif parser._h1.strip():
            found["title"] = (re.sub(r"\s+", " ", parser._h1).strip(), "<h1>")
    for key in ("og:site_name", "application-name", "publisher", "dc.publisher", "twitter:site"):
        if meta.get(key):
            found["outlet"] = (meta[key].lstrip("@"), f"meta {key}")
            break
    for key in ("article:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
                "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "og:updated_time"):
        iso = parse_date(meta.get(key, ""))
        if iso:
            found["published"] = (iso, f"meta {key}")
            break
    else:
        for t in parser.times:
            iso = parse_date(t)
            if iso:
                found["published"] = (iso, "<time datetime>")
                break
    for key in ("og:url", "canonical"):
        if meta.get(key):
            found["url"] = (meta[key], f"meta {key}" if key != "canonical" else "link canonical")
            break
    return parser.text(), found


# --- Markdown and plain text -------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<body>.*?)\n---\s*\n", re.S)


def _from_markdown(text: str) -> dict:
    found = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for line in m.group("body").splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            if not value:
                continue
            if key == "title":
                found["title"] = (value, "front matter title")
            elif key in ("outlet", "source", "publisher", "site"):
                found["outlet"] = (value, f"front matter {key}")
            elif key in ("date", "published", "pubdate") and parse_date(value):
                found["published"] = (parse_date(value), f"front matter {key}")
            elif key in ("url", "link"):
                found["url"] = (value, f"front matter {key}")
    if "title" not in found:
        h = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.M)
        if h:
            found["title"] = (h.group(1).strip(), "first heading")
    return found


def _header_metadata(text: str) -> dict:
    """Title, outlet and date from the top of a plain-text report (byline, dateline)."""
    found = {}
    head = text[:2500]
    lines = [ln.strip() for ln in head.splitlines()]
    for line in lines:
        clean = line.lstrip("#").strip()
        if (8 <= len(clean) <= 200 and len(clean.split()) >= 4 and not clean.endswith((".", ":", "!"))
                and not clean.lower().startswith("by ")):
            found["title"] = (clean, "first line")
            break
    # byline or dated line near the top
    for line in lines[:40]:
        iso = parse_date(line)
        if iso and (len(line) <= 120 or re.match(r"(?i)^(by|published|updated|posted|date)\b", line)):
            found["published"] = (iso, "byline date")
            break
    m = _DATELINE.search(head)
    source_line = re.search(r"(?im)^\s*(?:source|copyright|©)\s*:?\s*(?:\d{4}\s+)?(?P<name>[^,\n]{2,60})", text)
    if m:
        found["outlet"] = (_OUTLET_ALIASES.get(m.group("outlet"), m.group("outlet")), "dateline")
    elif source_line and _known_outlet(source_line.group("name")):
        found["outlet"] = (_known_outlet(source_line.group("name")), "source line")
    else:
        kept = "\n".join(
            ln for ln in head[:1500].splitlines()
            if not re.match(r"(?i)\s*(photo|photographer|credit|cover|image|picture)\b", ln)
        )
        hits = []
        for outlet in OUTLETS:
            hit = re.search(r"(?<![\w./])" + re.escape(outlet) + r"(?![\w/])", kept)
            if hit:
                hits.append((hit.start(), outlet))
        if hits:
            found["outlet"] = (min(hits)[1], "named at the top")
    if "published" not in found:
        for m2 in _DATE_PATTERNS[1:]:
            hit = m2.search(head)
            if hit:
                found["published"] = (parse_date(hit.group(0)), "first date in the text")
                break
    return found


def _known_outlet(name: str) -> str:
    """The canonical outlet named at the start of ``name`` (or "")."""
    name = name.strip().lower()
    for outlet in sorted(OUTLETS, key=len, reverse=True):
        if name.startswith(outlet.lower()):
            return outlet
    return ""


def _detect_format(name: str, text: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    if re.match(r"\s*(<!doctype html|<html|<head|<meta|<body)", text[:500], re.I):
        return "html"
    return "text"


def parse_document(
    data: bytes,
    filename: str = "",
    *,
    title: str | None = None,
    outlet: str | None = None,
    date: str | None = None,
    url: str | None = None,
    encoding: str | None = None,
) -> Document:
    """Decode and read one report.

    Parameters
    ----------
    data : bytes
        File content (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or cp1256).
    filename : str
        Used for the format (``.html``/``.htm``, ``.md``, else text) and recorded as source_file.
    title, outlet, date, url : str, optional
        Explicit metadata; each one, when given, wins over what the document says.
        ``date`` must be ``YYYY-MM-DD``.
    encoding : str, optional
        Force an encoding instead of detecting it.

    Raises
    ------
    InputError
        Empty or undecodable file, a file without any text, a bad ``date`` option.
    """
    option_date = _check_option_date(date)
    raw, enc = _decoded_text(data, encoding)
    fmt = _detect_format(filename, raw)
    text, found = _text_and_metadata(raw, fmt)
    if not text.strip():
        raise InputError([Problem(None, None, "the document has no text")])
    if len(text) > MAX_CHARS:
        raise InputError([Problem(None, None, f"the document is too long ({len(text)} characters; limit {MAX_CHARS})")])
    explicit = {"title": title, "outlet": outlet, "published": option_date, "url": url}
    values, origin = {}, {}
    for key in ("title", "outlet", "published", "url"):
        if explicit[key]:
            values[key], origin[key] = drop_bidi(str(explicit[key])).strip(), "option"
        elif key in found:  # no bidi override: a title must not display reversed (audit finding 15)
            values[key], origin[key] = drop_bidi(html.unescape(str(found[key][0]))).strip(), found[key][1]
        else:
            values[key], origin[key] = "", "not found"
    return Document(
        doc_id=content_id(text),
        text=text,
        source_file=Path(filename).name if filename else "",
        encoding=enc,
        format=fmt,
        metadata_from=origin,
        **values,
    )


def _decoded_text(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The report's text (BOM dropped, line endings as ``\\n``) and its encoding."""
    if not data or not data.strip():
        raise InputError([Problem(None, None, "the file is empty")])
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(None, None, "this is a binary file, not a text, Markdown or HTML report")])
    raw, enc = decode(data, encoding)
    return raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), enc


def _text_and_metadata(raw: str, fmt: str) -> tuple[str, dict]:
    """The text mention offsets refer to, and the metadata the document states (by format)."""
    if fmt == "html":
        text, found = _from_html(raw)
        for key, value in _header_metadata(text).items():
            if key != "title":
                found.setdefault(key, value)
    elif fmt == "markdown":
        text = raw
        found = _from_markdown(raw)
        for key, value in _header_metadata(_FRONT_MATTER.sub("", raw)).items():
            found.setdefault(key, value)
    else:
        text = raw
        found = _header_metadata(raw)
    return text, found


def read_document(path, **options) -> Document:
    """Read a report from a file (see :func:`parse_document` for the options).

    Parameters
    ----------
    path : str or Path
        The report file.
    **options
        Keyword options passed on to :func:`parse_document`.

    Returns
    -------
    Document
        The parsed document (its file name is the file's name).

    Raises
    ------
    InputError
        The file is missing, unreadable, empty, undecodable or has no text.
    """
    from geo.encoding import check_input_file

    p = Path(path)
    if p.is_dir():
        raise InputError([Problem(None, None, "this is a folder, not a file (name the report files)")])
    check_input_file(p)  # a regular file (never a device or a pipe) within the size limit
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError([Problem(None, None, f"cannot read the file ({exc.strerror})")]) from None
    return parse_document(data, p.name, **options)
