"""Cited towns: find the Syrian localities (and places abroad) a report mentions.

``find_mentions(text, gazetteer)`` scans a text once, left to right, taking at each word the
longest run of words whose normalised form (``geo.gazetteer.normalize``) is a name or alias in
the gazetteer or a venue abroad (``geo.citation_rules.VENUES``).  It handles:

- the article in any spelling (al-Bab, Al Bab, El-Bab, ar-Raqqa, ad-Dana; Arabic ال), the Arabic
  proclitics و ب ل ف ك (والرقة, بحلب, للرقة), possessives (Aleppo's, Idlib’s);
- names broken across lines, with or without a hyphen ("Deir ez-\\nZor", "Al-\\nBab",
  "Alep-\\npo");
- false friends: Latin-script names must be capitalised; common words and names that are also
  GeoNames aliases are refused (``BLOCKED``) or need the article (``WEAK``); organisations
  ("Ahrar al-Sham", "Jaish Idlib al-Hurr", "Manbij Military Council") and persons ("Abu X") are
  skipped; words inside URLs are ignored;
- "Damascus" meaning the government ("Damascus said", "Damascus's delegation",
  "Damascus and its allies", "pro-Damascus") is returned with kind ``metonymy``.

Storage: documents and citations go into the workspace store (``geo.store.Store``, kinds
``documents`` and ``citations``); the sentence around each mention is kept there only.
``cited_towns`` merges them with the shipped ``data/citations.csv`` + ``data/sources.csv``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import citation_rules as rules
from geo.documents import Document, parse_document, read_document
from geo.gazetteer import ARTICLES, Gazetteer, fold, is_arabic, normalize
from geo.paths import DATA_DIR
from geo.schema import CITATION_COLUMNS, CRS, DOCUMENT_COLUMNS

__all__ = [
    "Document",
    "Mention",
    "cited_towns",
    "documents_overview",
    "load_localities_for",
    "map_link",
    "remove_document",
    "towns_table",
    "find_mentions",
    "load_gazetteer",
    "load_workspace",
    "merged_citations",
    "parse_document",
    "place_summary",
    "read_document",
    "save_document",
]

KINDS = ("town", "venue", "metonymy")
#: Article spellings that may stand apart from the name with a plain space ("Al Bab", "Ar Raqqa");
#: the others (as, at, an, en ...) are English words and only count when hyphenated.
SPACE_ARTICLES = frozenset("al el ar er ash esh ech az ez".split())
#: Longest run of words tried as one name (articles included).
MAX_WORDS = 9
#: Longest sentence kept with a citation (characters).
MAX_SENTENCE = 600

_LETTER = r"[^\W\d_]"
_MARK = r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]"
_WORD = rf"(?:{_LETTER}|{_MARK})+"
_TOKEN = re.compile(rf"[ʿʾ]?{_WORD}(?:['’ʼ‘`ʿʾ]{_WORD})*")
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|\]\([^)\s]*\)", re.I)
_POSSESSIVE = re.compile(r"['’ʼ]s$", re.I)
_ARABIC_PROCLITICS = ("و", "ب", "ل", "ف", "ك")
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr st gen lt col maj sgt capt "
    "u.s u.n u.k e.g i.e no vs etc approx dept gov sen rep ft".split()
)


@dataclass(frozen=True)
class Mention:
    """One mention of a place in a text.

    ``locality_id`` is set for Syrian localities (kinds ``town`` and ``metonymy``); ``venue``
    (the canonical name of a place abroad) for kind ``venue``.  ``start``/``end`` are character
    offsets into the text (``text[start:end] == surface``), ``sentence`` the sentence around it.
    """

    locality_id: str
    venue: str
    kind: str
    start: int
    end: int
    surface: str
    sentence: str

    @property
    def place(self) -> str:
        """The locality id or the venue name."""
        return self.locality_id or self.venue

    def record(self, doc_id: str = "") -> dict:
        """A row of the ``citations`` table."""
        return {"doc_id": doc_id, **asdict(self)}


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str  # normalize(text)
    folded: str  # fold(text)

    @property
    def is_article(self) -> bool:
        return self.folded in ARTICLES

    @property
    def capitalised(self) -> bool:
        ch = self.text.lstrip("ʿʾ")[:1]
        return ch.isupper() or is_arabic(ch)


def _tokens(text: str) -> list[_Tok]:
    masked = [(m.start(), m.end()) for m in _URL.finditer(text)]
    out = []
    for m in _TOKEN.finditer(text):
        if masked and any(a <= m.start() < b for a, b in masked):
            continue
        t = m.group(0)
        out.append(_Tok(m.start(), m.end(), t, normalize(t), fold(t)))
    return out


def _sep_kind(sep: str) -> str | None:
    """How two adjacent words are joined: 'space', 'hyphen', 'linebreak', 'breakhyphen' or None."""
    s = re.sub(r"[ \t\u00a0]+", "", sep)
    if s == "":
        return "space" if sep else None
    if s in ("-", "‐", "‑"):
        return "hyphen"
    if s == "\n":
        return "linebreak"
    if s in ("-\n", "‐\n", "\u00ad\n", "\u00ad"):
        return "breakhyphen"
    return None


# --- the lexicon -------------------------------------------------------------------------------


@dataclass
class _Lexicon:
    towns: dict[str, list[str]]
    venues: dict[str, str]
    organisations: frozenset[str]
    damascus: frozenset[str]
    max_words: int


@lru_cache(maxsize=8)
def _venue_index() -> dict[str, str]:
    index = {}
    for canonical, names in rules.VENUES.items():
        for name in [canonical, *names] if names else []:
            key = normalize(name)
            if key:
                index[key] = canonical
    return index


_LEXICONS: dict[int, _Lexicon] = {}


def _lexicon(gazetteer: Gazetteer) -> _Lexicon:
    lex = _LEXICONS.get(id(gazetteer))
    if lex is not None and lex.towns is gazetteer.index:
        return lex
    damascus = frozenset(gazetteer.index.get("damascus", [])[:1])
    words = max((len(k.split()) for k in gazetteer.index), default=1)
    lex = _Lexicon(
        towns=gazetteer.index,
        venues=_venue_index(),
        organisations=frozenset(rules.ORGANISATIONS),
        damascus=damascus,
        max_words=min(MAX_WORDS, words + 3),
    )
    if len(_LEXICONS) > 16:
        _LEXICONS.clear()
    _LEXICONS[id(gazetteer)] = lex
    return lex


# --- sentences ----------------------------------------------------------------------------------

_SENT_END = re.compile(
    r"[.!?؟]+[\"”’'»)\]]*(?=\s)"  # end punctuation
    r"|\n[ \t]*\n"  # blank line
    r"|\n(?=[ \t]*(?:[-*•#]|\d+\.)\s)"  # list item or heading
)
_HEADLINE = re.compile(r"^[^\n]{1,60}\n(?=[ \t]*[A-Z\u0600-\u06ff])", re.M)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, begin = [], 0
    ends = [(m.start(), m.end(), m.group(0)) for m in _SENT_END.finditer(text)]
    for m in _HEADLINE.finditer(text):
        line = m.group(0).rstrip("\n").rstrip()
        starts_block = m.start() == 0 or re.search(r"\n[ \t]*\n[ \t]*$", text[max(0, m.start() - 8): m.start()])
        if starts_block and line and line[-1] not in ".!?,;:-‐":  # a short unpunctuated first line: headline
            ends.append((m.end() - 1, m.end(), "\n"))
    for start_pos, stop, group in sorted(set(ends)):
        if stop <= begin:
            continue
        if group.startswith("."):
            before = re.search(r"([\w.]+)$", text[max(0, start_pos - 12): start_pos])
            word = before.group(1).lower() if before else ""
            follow = text[stop: stop + 3].lstrip()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or (follow[:1].islower()):
                continue
        spans.append((begin, stop))
        begin = stop
    spans.append((begin, len(text)))
    return spans


def _sentence_at(text: str, spans: list[tuple[int, int]], starts: list[int], pos: int) -> str:
    i = max(0, bisect.bisect_right(starts, pos) - 1)
    a, b = spans[i]
    sentence = re.sub(r"\s+", " ", text[a:b]).strip()
    if len(sentence) > MAX_SENTENCE:
        rel = pos - a
        lo = max(0, rel - MAX_SENTENCE // 2)
        sentence = "…" + re.sub(r"\s+", " ", text[a + lo: a + lo + MAX_SENTENCE]).strip() + "…"
    return sentence


# --- matching -----------------------------------------------------------------------------------


def _variants(toks: list[_Tok], seps: list[str | None]) -> list[tuple[str, bool]]:
    """Normalised keys of a run of words (several when a line-break hyphen may join a word).

    Returns (key, has_article) pairs; articles inside the run are dropped like ``normalize`` does.
    """
    results = [([], False)]
    for k, tok in enumerate(toks):
        new = []
        joined_to_prev = k > 0 and seps[k - 1] in ("breakhyphen", "linebreak")
        for parts, art in results:
            if tok.is_article and k < len(toks) - 1:
                new.append((parts, True))
            else:
                new.append(([*parts, tok.key], art))
            if joined_to_prev and parts and not tok.is_article:
                new.append(([*parts[:-1], normalize(toks[k - 1].text + tok.text)], art))
        results = new
    out, seen = [], set()
    for parts, art in results:
        key = " ".join(p for p in parts if p)
        if key and key not in seen:
            seen.add(key)
            out.append((key, art))
    return out


def _arabic_stems(tok: _Tok) -> list[tuple[_Tok, bool]]:
    """The token without leading Arabic proclitics (و / ف, then ب / ل / ك), longest cut last.

    Returns (stem, has_article) pairs; "لل" stands for ل + ال (للرقة = ل + الرقة).
    """
    text, out = tok.text, []
    cut = 0
    if text[:1] in ("و", "ف") and len(text) > 3:
        cut = 1
        out.append(cut)
    if text[cut: cut + 1] in ("ب", "ل", "ك") and len(text) - cut > 3:
        out.append(cut + 1)
    stems = []
    for c in out:
        rest = text[c:]
        article = rest.startswith("ال") or (text[c - 1: c + 1] == "لل")
        stems.append((_Tok(tok.start + c, tok.end, rest, normalize(rest), fold(rest)), article))
    return stems


def _prev_word(toks: list[_Tok], i: int, text: str) -> _Tok | None:
    if i <= 0:
        return None
    prev = toks[i - 1]
    if _sep_kind(text[prev.end: toks[i].start]) is None:
        return None
    return prev


def _next_word(toks: list[_Tok], j: int, text: str) -> _Tok | None:
    if j + 1 >= len(toks):
        return None
    nxt = toks[j + 1]
    if _sep_kind(text[toks[j].end: nxt.start]) is None:
        return None
    return nxt


_LONGER_NAME = re.compile(r"[ \t]+(?:al|el|ad|ar|as|ash|at|az|an|ed|ez|es|er|en)[-‐][A-Z]")
_PREPOSITIONS = frozenset("in from at near to into outside around of inside across toward towards".split())


def _is_metonymy(text: str, toks: list[_Tok], i: int, j: int, possessive: bool) -> bool:
    """Whether the mention toks[i..j] ("Damascus") stands for the Syrian government."""
    end = toks[j].end
    after = text[end: end + 12]
    m = re.match(r"-(\w+)", after)
    if m and m.group(1).lower() in rules.GOV_HYPHEN_SUFFIX:
        return True
    before = text[max(0, toks[i].start - 5): toks[i].start].lower()
    if re.search(r"\b(pro|anti)[-\s]?$", before):
        return True
    nxt = _next_word(toks, j, text)
    prev = _prev_word(toks, i, text)
    governed = prev is not None and prev.folded in _PREPOSITIONS  # "the regime in Damascus said"
    if nxt is not None and not governed and not re.search(r"[,;:.]", text[end: nxt.start]):
        word = nxt.folded
        if possessive or word in rules.GOV_NOUNS:
            if word in rules.GOV_NOUNS:
                return True
        elif word in rules.GOV_VERBS:
            return True
        elif word in ("is", "was") and _next_word(toks, j + 1, text) is not None:
            following = _next_word(toks, j + 1, text).folded
            if following in rules.GOV_STATES or (following.endswith("ing") and following not in rules.PLACE_VERBS):
                return True
        elif word in rules.GOV_AUX:
            nxt2 = _next_word(toks, j + 1, text)
            following = nxt2.folded if nxt2 is not None else ""
            if following == "not" or (following and following not in rules.PLACE_VERBS):
                return True
        elif word == "and":
            nxt2 = _next_word(toks, j + 1, text)
            if nxt2 is not None and nxt2.folded in rules.GOV_AND:
                return True
    # words before
    prevs = []
    k = i - 1
    while k >= 0 and len(prevs) < 2:
        if _sep_kind(text[toks[k].end: toks[k + 1].start]) is None:
            break
        prevs.insert(0, toks[k].folded)
        k -= 1
    for pattern in rules.GOV_BEFORE:
        if len(prevs) >= len(pattern) and tuple(prevs[-len(pattern):]) == pattern:
            return True
    return False


def find_mentions(text: str, gazetteer: Gazetteer) -> list[Mention]:
    """Every mention of a Syrian locality or a venue abroad in ``text``.

    Parameters
    ----------
    text : str
        The document text (offsets refer to it).
    gazetteer : Gazetteer
        The localities to look for.

    Returns
    -------
    list[Mention]
        In text order; ``kind`` is ``town``, ``venue`` or ``metonymy``.
    """
    lex = _lexicon(gazetteer)
    toks = _tokens(text)
    seps = [_sep_kind(text[toks[k].end: toks[k + 1].start]) for k in range(len(toks) - 1)]
    spans = _sentence_spans(text)
    starts = [a for a, _ in spans]
    mentions: list[Mention] = []
    i = 0
    while i < len(toks):
        hit = _longest_match(text, toks, seps, i, lex)
        if hit is None:
            i += 1
            continue
        kind, place, start, end, j = hit
        if kind == "org":
            i = j + 1
            continue
        mentions.append(
            Mention(
                locality_id=place if kind != "venue" else "",
                venue=place if kind == "venue" else "",
                kind=kind,
                start=start,
                end=end,
                surface=text[start:end],
                sentence=_sentence_at(text, spans, starts, start),
            )
        )
        i = j + 1
    return mentions


def _longest_match(text, toks, seps, i, lex: _Lexicon):
    """The longest acceptable name starting at word ``i``: (kind, place, start, end, last_word)."""
    first = toks[i]
    starts_with_article = first.is_article
    if starts_with_article:
        if i + 1 >= len(toks):
            return None
        sep = seps[i]
        if sep in ("hyphen", "breakhyphen"):
            pass
        elif sep in ("space", "linebreak") and first.folded in SPACE_ARTICLES:
            pass
        else:
            return None
    best = None
    limit = min(len(toks), i + lex.max_words)
    for j in range(i, limit):
        if j > i and seps[j - 1] is None:
            break
        run = toks[i: j + 1]
        if run[-1].is_article:
            continue
        candidates = []  # (toks_run, end_offset, possessive, arabic_article, start_offset)
        candidates.append((run, run[-1].end, False, False, run[0].start))
        if _POSSESSIVE.search(run[-1].text):
            stem_text = _POSSESSIVE.sub("", run[-1].text)
            stem = _Tok(run[-1].start, run[-1].end - (len(run[-1].text) - len(stem_text)), stem_text,
                        normalize(stem_text), fold(stem_text))
            candidates.append(([*run[:-1], stem], stem.end, True, False, run[0].start))
        if is_arabic(run[0].text):
            for tok0, art in _arabic_stems(run[0]):
                candidates.append(([tok0, *run[1:]], run[-1].end, False, art, tok0.start))
        for cand, end, possessive, ar_article, start in candidates:
            found = _classify(text, toks, seps, i, j, cand, lex, possessive, starts_with_article, ar_article)
            if found is not None:
                kind, place = found
                best = (kind, place, start, end, j)
                break
    return best


def _classify(text, toks, seps, i, j, run, lex: _Lexicon, possessive, starts_with_article, ar_article):
    content = [t for t in run if not t.is_article]
    if not content:
        return None
    head = content[0]
    arabic = is_arabic(head.text)
    for key, mid_article in _variants(run, seps[i:j]):
        if key in lex.organisations:
            return "org", key
        if not arabic and not head.capitalised:
            continue
        venue = lex.venues.get(key)
        if venue is not None:
            suffix = re.match(r"-(\w+)", text[run[-1].end: run[-1].end + 12])
            if suffix and suffix.group(1).lower() in rules.GOV_HYPHEN_SUFFIX:
                return "org", key  # "Ankara-backed": a state as actor, not a place cited
            return "venue", venue
        ids = lex.towns.get(key)
        if not ids:
            continue
        has_article = starts_with_article or mid_article or ar_article or (arabic and head.text.startswith("ال"))
        single = " " not in key
        if single:
            if arabic:
                if key in rules.BLOCKED_AR or (key in rules.WEAK_AR and not has_article):
                    continue
            else:
                if key in rules.BLOCKED:
                    continue
                marked = bool(re.search(r"\w['’ʼ‘`ʿʾ]\w", text[run[0].start: run[-1].end]))
                if (key in rules.WEAK or len(key) <= 3) and not (has_article or marked):
                    continue
        prev = _prev_word(toks, i, text)
        if prev is not None and not arabic:
            if prev.folded in rules.ORG_HEADS or (prev.is_article and _prev_word(toks, i - 1, text) is not None
                                                  and _prev_word(toks, i - 1, text).folded in rules.ORG_HEADS):
                return "org", key
            if prev.folded in rules.PERSON_HEADS and prev.capitalised:
                continue
            if key == "duma" and prev.folded in rules.DUMA_PARLIAMENT:
                continue
        nxt = _next_word(toks, j, text)
        if nxt is not None and not arabic and not possessive:
            if nxt.capitalised and nxt.folded in rules.ORG_TAILS:
                return "org", key
            nxt2 = _next_word(toks, j + 1, text)
            if nxt2 is not None and (nxt.folded, nxt2.folded) in rules.ORG_TAIL_PAIRS:
                return "org", key
        if (
            key in rules.PERSONAL_NAMES
            and nxt is not None
            and nxt.capitalised
            and not nxt.is_article
            and (seps[j] if j < len(seps) else None) == "space"
            and not (prev is not None and prev.folded in _PREPOSITIONS)
        ):
            continue  # "Jassem Mohammed": a person
        if not arabic and not possessive and _LONGER_NAME.match(text, run[-1].end):
            continue  # "Busra al-Harir": the start of a longer name the gazetteer does not know
        place = ids[0]
        if place in lex.damascus and not arabic and _is_metonymy(text, toks, i, j, possessive):
            return "metonymy", place
        return "town", place
    return None


def load_localities_for(store=None) -> gpd.GeoDataFrame:
    """Shipped localities, merged with the workspace's through ``geo.catalog`` when available."""
    if store is not None:
        try:
            from geo.catalog import Catalog
        except ImportError:
            Catalog = None
        if Catalog is not None:
            try:
                return Catalog(store.path).localities()
            except (AttributeError, TypeError):
                pass
    from geo.datasets import load_localities

    return load_localities()


def load_gazetteer(store=None) -> Gazetteer:
    """The gazetteer used to find citations (see :func:`load_localities_for`)."""
    return Gazetteer(load_localities_for(store))


# --- documents in the workspace store -----------------------------------------------------------


def _frame(columns: dict[str, str], rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    for col, t in columns.items():
        if t == "Int64":
            df[col] = pd.array(df[col], dtype="Int64")
        elif t == "datetime64[ns]":
            df[col] = pd.to_datetime(df[col].replace("", None), format="%Y-%m-%d").astype("datetime64[ns]")
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    return df


def documents_frame(docs: list[Document]) -> pd.DataFrame:
    """The ``documents`` rows of some documents."""
    return _frame(DOCUMENT_COLUMNS, [d.record() for d in docs])


def citations_frame(pairs: list[tuple[Document, list[Mention]]]) -> pd.DataFrame:
    """The ``citations`` rows of documents and their mentions."""
    rows = [m.record(doc.doc_id) for doc, mentions in pairs for m in mentions]
    return _frame(CITATION_COLUMNS, rows)


def load_workspace(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, citations) kept in the workspace store (empty frames when none)."""
    return store.read("documents"), store.read("citations")


def save_document(store, pairs: list[tuple[Document, list[Mention]]]) -> tuple[int, int]:
    """Store documents and their citations atomically; a document stored again is replaced.

    Returns
    -------
    (int, int)
        Number of new documents, number of documents replaced.
    """
    if not pairs:
        return 0, 0
    with store.lock():
        docs, cites = load_workspace(store)
        ids = {doc.doc_id for doc, _ in pairs}
        replaced = int(docs["doc_id"].isin(ids).sum()) if len(docs) else 0
        new_docs = documents_frame([doc for doc, _ in pairs])
        new_cites = citations_frame(pairs)
        docs = pd.concat([docs[~docs["doc_id"].isin(ids)], new_docs], ignore_index=True) if len(docs) else new_docs
        if len(cites):
            cites = pd.concat([cites[~cites["doc_id"].isin(ids)], new_cites], ignore_index=True)
        else:
            cites = new_cites
        store.write({"documents": docs, "citations": cites})
    return len(ids) - replaced, replaced


def remove_document(store, doc_id: str) -> bool:
    """Delete one document and its citations from the workspace store."""
    with store.lock():
        docs, cites = load_workspace(store)
        if not len(docs) or doc_id not in set(docs["doc_id"]):
            return False
        store.write({"documents": docs[docs["doc_id"] != doc_id], "citations": cites[cites["doc_id"] != doc_id]})
    return True


def _shipped_frames(src: pd.DataFrame | None, cit: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shipped ``sources`` / ``citations`` tables as canonical documents / citations frames."""
    docs = _frame(DOCUMENT_COLUMNS, [])
    cites = _frame(CITATION_COLUMNS, [])

    def text(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)

    if src is not None and len(src):
        rows = [
            {
                "doc_id": text(r.get("source_id")),
                "title": text(r.get("title")),
                "outlet": text(r.get("outlet")),
                "published": text(r.get("published"))[:10],
                "url": text(r.get("url")),
                "source_file": "data/sources.csv",
            }
            for r in src.to_dict("records")
        ]
        docs = _frame(DOCUMENT_COLUMNS, rows)
    if cit is not None and len(cit):
        rows = [
            {
                "doc_id": text(r.get("source_id")),
                "locality_id": text(r.get("locality_id")),
                "venue": text(r.get("venue")),
                "kind": text(r.get("kind")) or "town",
                "start": int(r["start"]) if text(r.get("start")).strip() else None,
                "end": int(r["end"]) if text(r.get("end")).strip() else None,
                "surface": "",
                "sentence": "",
            }
            for r in cit.to_dict("records")
        ]
        cites = _frame(CITATION_COLUMNS, rows)
    return docs, cites


def shipped_citations(data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, citations) shipped in ``data/sources.csv`` + ``data/citations.csv``.

    The shipped files hold offsets only (no sentences); every shipped citation is a town.
    Missing files give empty frames.
    """
    data_dir = Path(data_dir)

    def read(name):
        path = data_dir / name
        return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None

    return _shipped_frames(read("sources.csv"), read("citations.csv"))


def _merge_workspace(docs, cites, store):
    if store is not None and store.exists():
        wdocs, wcites = load_workspace(store)
        if len(wdocs):
            ws_ids = set(wdocs["doc_id"])
            docs = pd.concat([docs[~docs["doc_id"].isin(ws_ids)], wdocs[list(DOCUMENT_COLUMNS)]], ignore_index=True)
            cites = pd.concat([cites[~cites["doc_id"].isin(ws_ids)], wcites[list(CITATION_COLUMNS)]],
                              ignore_index=True)
    return docs, cites


def catalog_citations(catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, citations) of a ``geo.catalog.Catalog``-like object: its shipped sources and
    citations (``.sources()``, ``.citations()``) plus its workspace store (``.store``) if any."""
    docs, cites = _shipped_frames(catalog.sources(), catalog.citations())
    return _merge_workspace(docs, cites, getattr(catalog, "store", None))


def merged_citations(store=None, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shipped and workspace (documents, citations) together (workspace wins on equal doc_id)."""
    docs, cites = shipped_citations(data_dir)
    return _merge_workspace(docs, cites, store)


# --- summaries and the cited-towns layer ----------------------------------------------------------


def _date_str(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _in_range(documents: pd.DataFrame, start=None, end=None) -> pd.Series:
    """Documents dated within [start, end] (undated documents are always kept)."""
    published = pd.to_datetime(documents["published"]) if len(documents) else pd.Series(dtype="datetime64[ns]")
    keep = pd.Series(True, index=documents.index)
    if start is not None:
        keep &= published.isna() | (published >= pd.Timestamp(start))
    if end is not None:
        keep &= published.isna() | (published <= pd.Timestamp(end))
    return keep


def _citation_text(record: dict) -> str:
    """One citing document as popup text: "outlet: title (date) — “sentence”"."""
    text = f"{record['outlet']}: {record['title']}" + (f" ({record['date']})" if record["date"] else "")
    text = text.strip(": ")
    return f"{text} — “{record['sentence']}”" if record.get("sentence") else text


def cited_towns(citations: pd.DataFrame | None = None, documents: pd.DataFrame | None = None,
                localities: gpd.GeoDataFrame | None = None, start=None, end=None, *,
                catalog=None) -> gpd.GeoDataFrame:
    """One row per Syrian locality cited (kind ``town``) by documents dated in [start, end].

    Parameters
    ----------
    citations, documents : pandas.DataFrame
        Canonical ``citations`` / ``documents`` frames (e.g. from :func:`merged_citations`).
    localities : geopandas.GeoDataFrame
        The gazetteer (``geo.datasets.load_localities`` or the catalog's merged localities).
    start, end : date-like, optional
        Inclusive range on the documents' publication date; undated documents are kept.
    catalog : geo.catalog.Catalog, optional
        Instead of the three frames: shipped + workspace citations and localities of a catalog.

    Returns
    -------
    geopandas.GeoDataFrame
        locality_id, name_en, name_ar, admin1_pcode, n_sources, n_mentions, documents (a list of
        ``{"doc_id", "title", "outlet", "date", "sentence", "mentions"}`` dicts, newest first; the
        sentence is "" for shipped sources), citations (the same as popup strings
        "outlet: title (date) — “sentence”"), geometry (EPSG:4326); sorted by n_sources then
        n_mentions.
    """
    if catalog is not None:
        documents, citations = catalog_citations(catalog)
        localities = catalog.localities() if localities is None else localities
    if citations is None or documents is None or localities is None:
        raise TypeError("cited_towns needs citations, documents and localities, or catalog=")
    columns = ["locality_id", "name_en", "name_ar", "admin1_pcode", "n_sources", "n_mentions", "documents", "citations"]
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    if citations is None or not len(citations) or documents is None or not len(documents):
        return empty
    docs = documents.drop_duplicates("doc_id", keep="last")
    docs = docs[_in_range(docs, start, end)].set_index("doc_id")
    cites = citations[(citations["kind"] == "town") & citations["doc_id"].isin(docs.index)]
    cites = cites[cites["locality_id"].isin(set(localities["locality_id"]))]
    if not len(cites):
        return empty
    loc = localities.set_index("locality_id")
    rows = []
    for lid, group in cites.groupby("locality_id", sort=False):
        records = []
        for doc_id, dgroup in group.groupby("doc_id", sort=False):
            doc = docs.loc[doc_id]
            sentences = [s for s in dgroup["sentence"].tolist() if s]
            records.append(
                {
                    "doc_id": str(doc_id),
                    "title": str(doc["title"]),
                    "outlet": str(doc["outlet"]),
                    "date": _date_str(doc["published"]),
                    "sentence": sentences[0] if sentences else "",
                    "mentions": int(len(dgroup)),
                }
            )
        records.sort(key=lambda r: r["date"], reverse=True)
        place = loc.loc[lid]
        rows.append(
            {
                "locality_id": lid,
                "name_en": str(place["name_en"]),
                "name_ar": str(place.get("name_ar", "")),
                "admin1_pcode": str(place.get("admin1_pcode", "")),
                "n_sources": len(records),
                "n_mentions": int(len(group)),
                "documents": records,
                "citations": [_citation_text(r) for r in records],
                "geometry": place.geometry,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    out = out.sort_values(["n_sources", "n_mentions", "name_en"], ascending=[False, False, True])
    out["n_sources"] = out["n_sources"].astype("int64")
    out["n_mentions"] = out["n_mentions"].astype("int64")
    return out.reset_index(drop=True)


def place_summary(citations: pd.DataFrame, gazetteer: Gazetteer) -> pd.DataFrame:
    """One row per place: name, kind (``town`` or ``venue``), documents, mentions.

    Metonymic mentions ("Damascus said") are not counted as towns; they are reported in the
    column ``metonymy`` (kept out of the CSV header by callers that need the four columns).
    """
    cols = ["name", "kind", "documents", "mentions", "locality_id", "metonymy"]
    if citations is None or not len(citations):
        return pd.DataFrame(columns=cols)
    rows = []
    towns = citations[citations["kind"] == "town"]
    meto = citations[citations["kind"] == "metonymy"]
    for lid, group in towns.groupby("locality_id"):
        rows.append({"name": gazetteer.name(lid), "kind": "town", "documents": group["doc_id"].nunique(),
                     "mentions": len(group), "locality_id": lid,
                     "metonymy": int((meto["locality_id"] == lid).sum())})
    for venue, group in citations[citations["kind"] == "venue"].groupby("venue"):
        rows.append({"name": venue, "kind": "venue", "documents": group["doc_id"].nunique(),
                     "mentions": len(group), "locality_id": "", "metonymy": 0})
    df = pd.DataFrame(rows, columns=cols)
    if not len(df):
        return df
    df["_k"] = (df["kind"] != "town").astype(int)
    df = df.sort_values(["_k", "documents", "mentions", "name"], ascending=[True, False, False, True])
    return df.drop(columns="_k").reset_index(drop=True)


# --- tables for the Sources page ------------------------------------------------------------------


def map_link(locality_id: str, lat: float, lon: float, zoom: int = 11) -> str:
    """Link to the map centred on a town: ``/?town=<id>&lat=..&lon=..&z=11``.

    The Map is the app's default page, which Streamlit serves at the root URL only: ``/map``
    answers "Page not found".
    """
    from urllib.parse import urlencode

    query = urlencode(
        {"town": locality_id, "lat": f"{float(lat):.5f}", "lon": f"{float(lon):.5f}", "z": int(zoom)}, safe=":"
    )
    return f"/?{query}"


def documents_overview(documents: pd.DataFrame, citations: pd.DataFrame, names: dict[str, str],
                       workspace_ids=()) -> pd.DataFrame:
    """One row per document: title, outlet, date, origin, the towns it cites and the places abroad.

    ``names`` maps locality ids to display names; ``workspace_ids`` are the doc ids stored in the
    workspace (the others are shipped sources).
    """
    cols = ["doc_id", "title", "outlet", "date", "origin", "towns", "n_towns", "abroad", "metonymy"]
    if documents is None or not len(documents):
        return pd.DataFrame(columns=cols)
    ws = set(workspace_ids)
    rows = []
    for doc in documents.drop_duplicates("doc_id", keep="last").itertuples(index=False):
        c = citations[citations["doc_id"] == doc.doc_id] if len(citations) else citations
        towns = c[c["kind"] == "town"]["locality_id"].value_counts() if len(c) else pd.Series(dtype=int)
        venues = sorted(set(c[c["kind"] == "venue"]["venue"])) if len(c) else []
        rows.append(
            {
                "doc_id": doc.doc_id,
                "title": doc.title,
                "outlet": doc.outlet,
                "date": _date_str(doc.published),
                "origin": "workspace" if doc.doc_id in ws else "shipped",
                "towns": ", ".join(f"{names.get(i, i)} ({n})" if n > 1 else names.get(i, i) for i, n in towns.items()),
                "n_towns": int(len(towns)),
                "abroad": ", ".join(venues),
                "metonymy": int((c["kind"] == "metonymy").sum()) if len(c) else 0,
            }
        )
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["date", "title"], ascending=[False, True], ignore_index=True)


def towns_table(towns: gpd.GeoDataFrame, zoom: int = 11) -> pd.DataFrame:
    """Cited towns (from :func:`cited_towns`) as a table with a map link per town."""
    from geo.schema import ADMIN1

    cols = ["town", "arabic", "governorate", "sources", "mentions", "map", "locality_id"]
    if towns is None or not len(towns):
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(
        {
            "town": towns["name_en"].astype(str),
            "arabic": towns["name_ar"].astype(str),
            "governorate": [ADMIN1.get(p, p) for p in towns["admin1_pcode"]],
            "sources": towns["n_sources"].astype(int),
            "mentions": towns["n_mentions"].astype(int),
            "map": [map_link(i, g.y, g.x, zoom) for i, g in zip(towns["locality_id"], towns.geometry, strict=True)],
            "locality_id": towns["locality_id"].astype(str),
        }
    )
