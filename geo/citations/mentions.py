"""Mention detection: find the Syrian localities (and places abroad) a text mentions.

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
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from geo import citation_rules as rules
from geo.gazetteer import ARTICLES, Gazetteer, fold, is_arabic, normalize

MENTION_KINDS = ("town", "venue", "metonymy")
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
        """A row of the ``citations`` table.

        Parameters
        ----------
        doc_id : str, default ""
            Id of the document the mention belongs to.

        Returns
        -------
        dict
            ``doc_id`` followed by the mention's fields.
        """
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
    return (
        _affix_says_government(text, toks, i, j)
        or _word_after_says_government(text, toks, i, j, possessive)
        or _words_before_say_government(text, toks, i)
    )


def _affix_says_government(text: str, toks: list[_Tok], i: int, j: int) -> bool:
    """"Damascus-backed", "pro-Damascus", "anti-Damascus"."""
    end = toks[j].end
    m = re.match(r"-(\w+)", text[end: end + 12])
    if m and m.group(1).lower() in rules.GOV_HYPHEN_SUFFIX:
        return True
    before = text[max(0, toks[i].start - 5): toks[i].start].lower()
    return bool(re.search(r"\b(pro|anti)[-\s]?$", before))


def _word_after_says_government(text: str, toks: list[_Tok], i: int, j: int, possessive: bool) -> bool:
    """"Damascus said", "Damascus's forces", "Damascus is insisting", "Damascus and its allies"."""
    end = toks[j].end
    nxt = _next_word(toks, j, text)
    prev = _prev_word(toks, i, text)
    governed = prev is not None and prev.folded in _PREPOSITIONS  # "the regime in Damascus said"
    if nxt is None or governed or re.search(r"[,;:.]", text[end: nxt.start]):
        return False
    word = nxt.folded
    if possessive or word in rules.GOV_NOUNS:
        return word in rules.GOV_NOUNS
    if word in rules.GOV_VERBS:
        return True
    nxt2 = _next_word(toks, j + 1, text)
    following = nxt2.folded if nxt2 is not None else ""
    if word in ("is", "was"):
        return bool(following) and (
            following in rules.GOV_STATES or (following.endswith("ing") and following not in rules.PLACE_VERBS)
        )
    if word in rules.GOV_AUX:
        return following == "not" or bool(following and following not in rules.PLACE_VERBS)
    if word == "and":
        return following in rules.GOV_AND
    return False


def _words_before_say_government(text: str, toks: list[_Tok], i: int) -> bool:
    """Up to two words right before the mention match a government phrase ("the regime of")."""
    prevs: list[str] = []
    k = i - 1
    while k >= 0 and len(prevs) < 2:
        if _sep_kind(text[toks[k].end: toks[k + 1].start]) is None:
            break
        prevs.insert(0, toks[k].folded)
        k -= 1
    return any(len(prevs) >= len(pat) and tuple(prevs[-len(pat):]) == pat for pat in rules.GOV_BEFORE)


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


@dataclass(frozen=True)
class _Run:
    """A run of words ``toks[i..j]`` (``words``: the spelling tried) and what surrounds it."""

    text: str
    toks: list
    seps: list
    i: int
    j: int
    words: list
    possessive: bool
    starts_with_article: bool
    ar_article: bool
    head: _Tok
    arabic: bool


def _classify(text, toks, seps, i, j, run, lex: _Lexicon, possessive, starts_with_article, ar_article):
    """(kind, place) when the run names a place or an organisation (kind ``org``), else None."""
    content = [t for t in run if not t.is_article]
    if not content:
        return None
    head = content[0]
    m = _Run(text, toks, seps, i, j, run, possessive, starts_with_article, ar_article, head, is_arabic(head.text))
    for key, mid_article in _variants(run, seps[i:j]):
        found = _classify_key(m, key, mid_article, lex)
        if found is not None:
            return found
    return None


def _classify_key(m: _Run, key: str, mid_article: bool, lex: _Lexicon):
    """(kind, place) for one spelling ``key`` of the run, or None to try the next spelling."""
    if key in lex.organisations:
        return "org", key
    if not m.arabic and not m.head.capitalised:
        return None
    venue = lex.venues.get(key)
    if venue is not None:
        suffix = re.match(r"-(\w+)", m.text[m.words[-1].end: m.words[-1].end + 12])
        if suffix and suffix.group(1).lower() in rules.GOV_HYPHEN_SUFFIX:
            return "org", key  # "Ankara-backed": a state as actor, not a place cited
        return "venue", venue
    ids = lex.towns.get(key)
    if not ids or _too_weak(m, key, mid_article):
        return None
    verdict = _context_verdict(m, key)
    if verdict == "org":
        return "org", key
    if verdict == "skip":
        return None
    place = ids[0]
    if place in lex.damascus and not m.arabic and _is_metonymy(m.text, m.toks, m.i, m.j, m.possessive):
        return "metonymy", place
    return "town", place


def _too_weak(m: _Run, key: str, mid_article: bool) -> bool:
    """A one-word name that is a common word (``BLOCKED``) or needs its article (``WEAK``)."""
    if " " in key:
        return False
    has_article = (
        m.starts_with_article or mid_article or m.ar_article or (m.arabic and m.head.text.startswith("ال"))
    )
    if m.arabic:
        return key in rules.BLOCKED_AR or (key in rules.WEAK_AR and not has_article)
    if key in rules.BLOCKED:
        return True
    marked = bool(re.search(r"\w['’ʼ‘`ʿʾ]\w", m.text[m.words[0].start: m.words[-1].end]))
    return (key in rules.WEAK or len(key) <= 3) and not (has_article or marked)


def _context_verdict(m: _Run, key: str) -> str | None:
    """What the words around say: "org" (an organisation's name), "skip" (a person, a
    parliament, a longer name the gazetteer does not know) or None (a place)."""
    text, toks, i, j = m.text, m.toks, m.i, m.j
    prev = _prev_word(toks, i, text)
    if prev is not None and not m.arabic:
        before = _prev_word(toks, i - 1, text) if prev.is_article else None
        if prev.folded in rules.ORG_HEADS or (before is not None and before.folded in rules.ORG_HEADS):
            return "org"
        if prev.folded in rules.PERSON_HEADS and prev.capitalised:
            return "skip"
        if key == "duma" and prev.folded in rules.DUMA_PARLIAMENT:
            return "skip"
    nxt = _next_word(toks, j, text)
    if nxt is not None and not m.arabic and not m.possessive:
        if nxt.capitalised and nxt.folded in rules.ORG_TAILS:
            return "org"
        nxt2 = _next_word(toks, j + 1, text)
        if nxt2 is not None and (nxt.folded, nxt2.folded) in rules.ORG_TAIL_PAIRS:
            return "org"
    if (
        key in rules.PERSONAL_NAMES
        and nxt is not None
        and nxt.capitalised
        and not nxt.is_article
        and (m.seps[j] if j < len(m.seps) else None) == "space"
        and not (prev is not None and prev.folded in _PREPOSITIONS)
    ):
        return "skip"  # "Jassem Mohammed": a person
    if not m.arabic and not m.possessive and _LONGER_NAME.match(text, m.words[-1].end):
        return "skip"  # "Busra al-Harir": the start of a longer name the gazetteer does not know
    return None
