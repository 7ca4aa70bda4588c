"""Place-name normalisation and the locality gazetteer.

``normalize(name)`` turns a place name written in Latin or Arabic script into a matching key that
is insensitive to case, accents and diacritics, transliteration apostrophes (ʿ ʾ ‘ ’ '), hyphens
and spacing, and the Arabic article in all its transliterated forms (al-, Al , El-, ad-, ar-, as-,
ash-, at-, az-, ez-, an- ...; in Arabic script the prefix ال).  So Al-Bab, al-Bab, Al Bab, El Bab
and الباب share the key ``"bab"``.

Transliteration variants that differ in their letters (Idlib / Idleb, Deir ez-Zor / Dayr az Zawr)
are covered by the aliases of each locality, and, as a fallback of ``Gazetteer.lookup``, by a
looser consonant skeleton (``skeleton``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict

import pandas as pd

__all__ = ["ARTICLES", "Gazetteer", "fold", "is_arabic", "normalize", "skeleton"]

#: Transliterated forms of the Arabic article (sun-letter assimilations included).
ARTICLES = frozenset(
    "al el il ul l ad ed ar er as es ash esh ech at et az ez an en ath eth adh edh ed dh "
    "ej".split()
)

# Characters that transliterate ʿayn / hamza, or are apostrophes: removed outright.
_MARKS = dict.fromkeys(map(ord, "ʿʾʼʻʽ‘’‛'`´ʹʺ′\u02c8\u02bf\u02be"), None)
_ARABIC_MAP = {
    ord("ة"): "ه",
    ord("ى"): "ي",
    ord("ٱ"): "ا",
    ord("ـ"): None,  # tatweel
    ord("ی"): "ي",  # Persian yeh
    ord("ک"): "ك",  # Persian kaf
    ord("ı"): "i",  # Turkish dotless i
    ord("ø"): "o",
    ord("đ"): "d",
    ord("ł"): "l",
    ord("æ"): "ae",
    ord("œ"): "oe",
    ord("ß"): "ss",
    ord("ð"): "d",
    ord("þ"): "th",
}
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def is_arabic(text: str) -> bool:
    """True when ``text`` contains Arabic-script letters.

    Parameters
    ----------
    text : str
        Any text (``None`` or empty gives ``False``).

    Returns
    -------
    bool
        Whether ``text`` contains at least one Arabic-script letter.
    """
    return bool(_ARABIC_LETTER.search(text or ""))


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))


def fold(text: str) -> str:
    """Case-fold and strip accents, diacritics, tashkeel and apostrophes; keep separators.

    Arabic alef forms (أ إ آ ٱ) become ا, ة becomes ه, ى becomes ي.  No article handling.

    Parameters
    ----------
    text : str
        A name or other text (converted with ``str`` first).

    Returns
    -------
    str
        The folded text, NFC-normalised.
    """
    text = _strip_marks(str(text)).casefold()
    text = text.translate(_MARKS).translate(_ARABIC_MAP)
    # casefold / mapping may expose new combining marks (e.g. "İ"); strip again and recompose
    return unicodedata.normalize("NFC", _strip_marks(text))


def _drop_arabic_article(token: str) -> str:
    while token.startswith("ال") and len(token) > 3:
        token = token[2:]
    return token


def normalize(name: str) -> str:
    """Matching key of a place name.

    Parameters
    ----------
    name : str
        A place name in Latin or Arabic script.

    Returns
    -------
    str
        Lower-case ASCII-folded (or Arabic without tashkeel) words separated by single spaces,
        with the article dropped from every word it precedes.  Idempotent.

    Examples
    --------
    >>> normalize("Al-Bāb") == normalize("al Bab") == normalize("El-Bab") == "bab"
    True
    >>> normalize("Deir ez-Zor")
    'deir zor'
    >>> normalize("الباب")
    'باب'
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    tokens = [t for t in _SEPARATORS.split(fold(name)) if t]
    out = []
    for i, token in enumerate(tokens):
        if token in ARTICLES and i + 1 < len(tokens):
            continue
        out.append(_drop_arabic_article(token))
    return " ".join(out)


_VOWELS = re.compile(r"[aeiouyw]")
_LOOSE_SUBST = (("ph", "f"), ("kh", "k"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("th", "t"),
                ("dh", "d"), ("q", "k"), ("c", "k"), ("dj", "g"), ("j", "g"), ("x", "ks"))


def skeleton(name: str) -> str:
    """A loose consonant skeleton of a Latin-script name (for fuzzy fallback lookups).

    Drops vowels (and w/y inside words), a final -h, doubled letters and common digraph
    differences, so that Idlib/Idleb, Zor/Zour/Zawr, Sheikh/Shaykh share a skeleton.
    Returns ``""`` for Arabic-script names.

    Parameters
    ----------
    name : str
        A place name.

    Returns
    -------
    str
        The skeleton words of the normalised name separated by single spaces, or ``""``.
    """
    key = normalize(name)
    if not key or is_arabic(key):
        return ""
    words = []
    for word in key.split():
        if word.endswith("h") and len(word) > 2 and word[-2] in "aeiou":
            word = word[:-1]
        for old, new in _LOOSE_SUBST:
            word = word.replace(old, new)
        head, tail = word[0], _VOWELS.sub("", word[1:])
        if head in "aeiouyw":
            head = "a"
        word = re.sub(r"(.)\1+", r"\1", head + tail)
        words.append(word)
    return " ".join(words)


def _split_aliases(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


class Gazetteer:
    """Name index over a localities table (``geo.schema.LOCALITY_COLUMNS`` [+ geometry]).

    Parameters
    ----------
    localities : pandas.DataFrame or geopandas.GeoDataFrame
        One row per locality with at least ``locality_id``, ``name_en``; ``name_ascii``,
        ``name_ar``, ``aliases`` and ``population`` are used when present.

    Attributes
    ----------
    index : dict[str, list[str]]
        Normalised name -> locality ids, best first.
    primary : dict[str, set[str]]
        Normalised name -> ids for which it is a primary name (name_en / name_ascii / name_ar).
    """

    def __init__(self, localities: pd.DataFrame):
        self.localities = localities.reset_index(drop=True)
        self._rows = {lid: i for i, lid in enumerate(self.localities["locality_id"].astype(str))}
        pops = {}
        if "population" in self.localities.columns:
            for lid, pop in zip(self.localities["locality_id"], self.localities["population"], strict=True):
                pops[str(lid)] = 0 if pd.isna(pop) else int(pop)
        self.population = pops
        index: dict[str, set[str]] = defaultdict(set)
        primary: dict[str, set[str]] = defaultdict(set)
        loose: dict[str, set[str]] = defaultdict(set)
        for row in self.localities.itertuples(index=False):
            lid = str(row.locality_id)
            names = [getattr(row, c, "") for c in ("name_en", "name_ascii", "name_ar")]
            for name in names:
                key = normalize(name) if isinstance(name, str) else ""
                if key:
                    index[key].add(lid)
                    primary[key].add(lid)
            for alias in _split_aliases(getattr(row, "aliases", "")):
                key = normalize(alias)
                if key:
                    index[key].add(lid)
            for name in [*names, *_split_aliases(getattr(row, "aliases", ""))]:
                sk = skeleton(name) if isinstance(name, str) else ""
                if len(sk.replace(" ", "")) >= 4:
                    loose[sk].add(lid)
        self.primary = dict(primary)
        self.index = {k: self._rank(k, ids) for k, ids in index.items()}
        self._loose = {k: sorted(ids, key=lambda i: (-self.population.get(i, 0), i)) for k, ids in loose.items()}

    def _rank(self, key: str, ids) -> list[str]:
        prim = self.primary.get(key, set())
        return sorted(ids, key=lambda i: (i not in prim, -self.population.get(i, 0), i))

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, locality_id: str) -> bool:
        return locality_id in self._rows

    def lookup(self, name: str, fuzzy: bool = True) -> list[str]:
        """Locality ids whose name or alias matches ``name``, best first.

        Exact matches on the normalised key come first (those where it is the locality's
        primary name, then by population).  When nothing matches exactly and ``fuzzy`` is
        true, localities sharing the consonant skeleton (at least four consonants) are returned.

        Parameters
        ----------
        name : str
            A place name or alias in Latin or Arabic script.
        fuzzy : bool, default True
            Fall back to the consonant skeleton when there is no exact match.

        Returns
        -------
        list of str
            Matching locality ids, best first (empty when nothing matches).
        """
        key = normalize(name)
        if not key:
            return []
        hits = self.index.get(key)
        if hits:
            return list(hits)
        if fuzzy:
            sk = skeleton(name)
            if len(sk.replace(" ", "")) >= 4:
                return list(self._loose.get(sk, []))
        return []

    def get(self, locality_id: str) -> pd.Series | None:
        """The locality row for ``locality_id`` (``None`` when unknown).

        Parameters
        ----------
        locality_id : str
            A locality id (converted with ``str``).

        Returns
        -------
        pandas.Series or None
            The row of ``localities``, or ``None`` when the id is unknown.
        """
        i = self._rows.get(str(locality_id))
        return None if i is None else self.localities.iloc[i]

    def name(self, locality_id: str) -> str:
        """English name of a locality (the id itself when unknown).

        Parameters
        ----------
        locality_id : str
            A locality id.

        Returns
        -------
        str
            The ``name_en`` of the locality, or ``str(locality_id)`` when unknown.
        """
        row = self.get(locality_id)
        return str(locality_id) if row is None else str(row["name_en"])
