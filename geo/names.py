"""One display spelling per place and per governorate: the English press form.

The rule lives here, and every front end (map labels and popups, the sidebar filter, tables,
Trends, the briefing, the search) reads it:

- **Governorates** (:data:`GOVERNORATES`): the English press form ("Idlib", "Daraa", "Deir ez-Zor",
  "Raqqa", "Suwayda", ...) is the display name; OCHA COD-AB's name ("Idleb", "Dar'a",
  "Deir-ez-Zor", "Ar-Raqqa", "As-Sweida": what the boundary files carry, :data:`ADMIN1_OCHA`), the
  GeoNames name, the Arabic name and common press variants are aliases.
- **Localities**: the display name of a locality is, in this order,

  1. its curated press form in ``data/place_names.csv`` (``locality_id,name,note,source``: the
     cited and labelled places whose GeoNames or OCHA form differs from the press form, e.g.
     "Şūrān" -> "Souran", "Al Manşūrah" -> "Mansoura", "Joubar Sharqi (Damascus)" -> "Jobar");
  2. otherwise its ``name_en`` folded by :func:`press_fold`, a deterministic ASCII fold of
     GeoNames-style transliterations: diacritics dropped (Ş -> S, ū -> u, ḩ -> h), the ʿayn /
     hamza marks ‘ ’ ʿ ʾ dropped, and a spaced article joined to its word by a hyphen
     ("Al Bāb" -> "Al-Bab", "Tall aḑ Ḑamān" -> "Tall ad-Daman"). A name that is already ASCII
     with no spaced article is unchanged, so the press spellings of ``scripts/build_localities.py``
     (``PRESS_ALIASES``) and the team-curated names stay as written.

  :func:`with_display_names` applies it to a localities frame: ``name_en`` becomes the display
  name and the former ``name_en`` is kept among the ``aliases`` (nothing is lost; search and
  citation matching still find it). ``geo.catalog.Catalog.localities`` returns the frame so
  named; ``Catalog.localities(display=False)`` gives the names as shipped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "ADMIN1_DISPLAY",
    "ADMIN1_OCHA",
    "GOVERNORATES",
    "PLACE_NAMES_FILE",
    "Governorate",
    "governorate_label",
    "governorate_name",
    "load_place_names",
    "locality_display_name",
    "press_fold",
    "with_display_names",
    "with_governorate_column",
    "with_boundary_names",
]

PLACE_NAMES_FILE = "place_names.csv"
PLACE_NAME_COLUMNS = ("locality_id", "name", "note", "source")


@dataclass(frozen=True)
class Governorate:
    """One governorate's names.

    Parameters
    ----------
    pcode : str
        OCHA P-code (SY01..SY14).
    display : str
        The English press form, shown everywhere.
    ocha : str
        OCHA COD-AB's English name (``adm1_name``; what the shipped boundaries carry).
    arabic : str
        The Arabic name (OCHA ``adm1_name1``).
    aliases : tuple of str
        Other spellings a user may type (GeoNames, press variants).
    """

    pcode: str
    display: str
    ocha: str
    arabic: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the governorate, display name first (duplicates removed)."""
        return tuple(dict.fromkeys((self.display, self.ocha, self.arabic, *self.aliases)))


#: The 14 governorates (display = English press form; sources: OCHA COD-AB v02 for ``ocha`` and
#: ``arabic``, GeoNames admin1 names and the press spellings of Reuters / AP / AFP for aliases).
GOVERNORATES: dict[str, Governorate] = {
    g.pcode: g
    for g in (
        Governorate("SY01", "Damascus", "Damascus", "دمشق", ("Dimashq", "Damascus Governorate")),
        Governorate("SY02", "Aleppo", "Aleppo", "حلب", ("Halab", "Haleb", "Aleppo Governorate")),
        Governorate("SY03", "Rural Damascus", "Rural Damascus", "ريف دمشق",
                    ("Rif Dimashq", "Reef Damascus", "Damascus countryside", "Rif Dimashq Governorate")),
        Governorate("SY04", "Homs", "Homs", "حمص", ("Hims", "Homs Governorate")),
        Governorate("SY05", "Hama", "Hama", "حماة", ("Hamah", "Hamah Governorate", "Hama Governorate")),
        Governorate("SY06", "Latakia", "Lattakia", "اللاذقية",
                    ("Al-Ladhiqiyah", "Latakiya", "Al Ladhiqiyah", "Latakia Governorate")),
        Governorate("SY07", "Idlib", "Idleb", "إدلب", ("Idlib Governorate", "Idleb Governorate")),
        Governorate("SY08", "Hasakah", "Al-Hasakeh", "الحسكة",
                    ("Al-Hasakah", "Hasakeh", "Hassakeh", "Al Hasakah", "Hasaka", "Hasakah Governorate")),
        Governorate("SY09", "Deir ez-Zor", "Deir-ez-Zor", "دير الزور",
                    ("Dayr az Zawr", "Deir al-Zour", "Deir al-Zor", "Deir el-Zor", "Deir Ezzor", "Deir Zor",
                     "Deir ez-Zor Governorate")),
        Governorate("SY10", "Tartus", "Tartous", "طرطوس", ("Tartoos", "Tartus Governorate")),
        Governorate("SY11", "Raqqa", "Ar-Raqqa", "الرقة",
                    ("Ar Raqqah", "Al-Raqqa", "Raqqah", "Rakka", "Raqqa Governorate")),
        Governorate("SY12", "Daraa", "Dar'a", "درعا", ("Deraa", "Dara", "Daraa Governorate")),
        Governorate("SY13", "Suwayda", "As-Sweida", "السويداء",
                    ("Sweida", "As-Suwayda", "As Suwayda'", "Suwaida", "Suweida", "Al-Suwayda",
                     "Suwayda Governorate")),
        Governorate("SY14", "Quneitra", "Quneitra", "القنيطرة",
                    ("Al Qunaytirah", "Al-Quneitra", "Kuneitra", "Quneitra Governorate")),
    )
}
#: P-code -> display name (``geo.schema.ADMIN1`` is this mapping).
ADMIN1_DISPLAY: dict[str, str] = {p: g.display for p, g in GOVERNORATES.items()}
#: P-code -> OCHA COD-AB English name (the shipped boundaries' ``name_en``).
ADMIN1_OCHA: dict[str, str] = {p: g.ocha for p, g in GOVERNORATES.items()}


def governorate_name(pcode: str) -> str:
    """Display name of a governorate P-code (the code itself when unknown, "" for "").

    Parameters
    ----------
    pcode : str
        An OCHA admin-1 P-code such as ``"SY07"``.

    Returns
    -------
    str
        The English press form ("Idlib"), or ``pcode`` unchanged when it is not a governorate.
    """
    g = GOVERNORATES.get(str(pcode or ""))
    return g.display if g else str(pcode or "")


def governorate_label(pcode: str) -> str:
    """Option label of a governorate in filters: display name and P-code, then OCHA's and the Arabic name.

    A filter box matches what is typed against the label: the press form comes first, so typing
    "Idlib", "Daraa" or "Deir ez-Zor" finds it; OCHA's spelling (when it differs) and the Arabic
    name follow as aliases, so "Idleb" and "إدلب" find it too.

    Parameters
    ----------
    pcode : str
        An OCHA admin-1 P-code.

    Returns
    -------
    str
        E.g. ``"Idlib (SY07) · Idleb · إدلب"``, ``"Aleppo (SY02) · حلب"``; the P-code alone when unknown.
    """
    g = GOVERNORATES.get(str(pcode or ""))
    if not g:
        return str(pcode or "")
    return " · ".join([f"{g.display} ({g.pcode})", *([g.ocha] if g.ocha != g.display else []), g.arabic])


# --- localities ---------------------------------------------------------------------------
#: Transliterated forms of the Arabic article that GeoNames writes as a separate word.
_ARTICLE_WORDS = frozenset("al el as ash at ath ad adh ar az an ad dh".split())
#: ʿayn / hamza marks and typographic apostrophes of transliterations (the ASCII apostrophe of a
#: team-written name such as "Qal'at Ja'bar" is kept).
_MARKS = dict.fromkeys(map(ord, "ʿʾʼʻʽ‘’‛`´ʹʺ′\u02bf\u02be"), None)
_SPECIAL = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ß": "ss", "ð": "d",
                          "þ": "th", "Ø": "O", "Đ": "D", "Ł": "L", "Æ": "Ae", "Œ": "Oe"})
#: A spaced article: a whole word (after the start or a space) followed by a space and a word.
_ARTICLE_SPACE = re.compile(r"(?<!\S)(" + "|".join(sorted(_ARTICLE_WORDS, key=len, reverse=True)) + r") (?=\w)",
                            re.IGNORECASE)


def _hyphenate(match: re.Match) -> str:
    word = match.group(1)
    # "Al-" at the start of a name, "al-" inside it ("Shaykh al-Hadid"), as the press writes it
    return (word.capitalize() if match.start() == 0 else word.lower()) + "-"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def press_fold(name: str) -> str:
    """Deterministic ASCII fold of a GeoNames-style transliteration (see the module doc).

    Parameters
    ----------
    name : str
        A Latin-script place name ("Şūrān", "Al ‘Arīmah", "Tall aḑ Ḑamān").

    Returns
    -------
    str
        The folded name ("Suran", "Al-Arimah", "Tall ad-Daman"); Arabic-script and other
        non-Latin letters are kept as they are. Idempotent.
    """
    if _is_missing(name):
        return ""
    text = unicodedata.normalize("NFD", str(name).translate(_MARKS).translate(_SPECIAL))
    kept, base = [], ""
    for ch in text:
        if unicodedata.combining(ch):
            if not _is_latin(base):  # marks over Latin letters go; Arabic hamza/tashkeel stay
                kept.append(ch)
            continue
        base = ch
        kept.append(ch)
    text = " ".join(unicodedata.normalize("NFC", "".join(kept)).split())
    return _ARTICLE_SPACE.sub(_hyphenate, text)


def _is_latin(ch: str) -> bool:
    return bool(ch) and (ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF)


def _data_dir(data_dir) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from geo.paths import DATA_DIR

    return DATA_DIR


@lru_cache(maxsize=4)
def _place_names(path: str) -> dict[str, str]:
    import pandas as pd

    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in PLACE_NAME_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return dict(zip(table["locality_id"].str.strip(), table["name"].str.strip(), strict=True))


def load_place_names(data_dir=None) -> dict[str, str]:
    """The curated press forms: locality_id -> display name (``data/place_names.csv``).

    Parameters
    ----------
    data_dir : str or Path, optional
        The shipped data folder (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    dict of str to str
        One entry per row of the file. Raises ``FileNotFoundError`` when the file is missing and
        ``ValueError`` when a column is missing.
    """
    return dict(_place_names(str(_data_dir(data_dir) / PLACE_NAMES_FILE)))


def locality_display_name(locality_id: str, name_en: str, place_names: dict[str, str] | None = None) -> str:
    """Display name of one locality: the curated press form, else :func:`press_fold` of ``name_en``.

    Parameters
    ----------
    locality_id : str
        The locality's id (``gn:<id>`` or ``cur:<slug>``).
    name_en : str
        Its English name as shipped or imported.
    place_names : dict, optional
        The curated press forms (default: :func:`load_place_names`).

    Returns
    -------
    str
        The display name.
    """
    table = load_place_names() if place_names is None else place_names
    curated = table.get(str(locality_id))
    return curated if curated else press_fold(name_en)


def _with_alias(aliases, name: str) -> str:
    parts = [] if _is_missing(aliases) else [a for a in str(aliases).split("|") if a.strip()]
    if name and name not in parts:
        parts.append(name)
    return "|".join(parts)


def with_display_names(localities, place_names: dict[str, str] | None = None):
    """``localities`` with ``name_en`` set to the display name; the former name joins ``aliases``.

    Parameters
    ----------
    localities : pandas.DataFrame or geopandas.GeoDataFrame
        Rows with ``locality_id`` and ``name_en`` (``aliases`` used when present).
    place_names : dict, optional
        The curated press forms (default: :func:`load_place_names`).

    Returns
    -------
    same type as ``localities``
        A copy (the input is not changed); rows are in the same order.
    """
    out = localities.copy()
    if len(out) == 0 or "name_en" not in out.columns:
        return out
    table = load_place_names() if place_names is None else place_names
    old = ["" if _is_missing(n) else str(n) for n in out["name_en"]]
    new = [locality_display_name(lid, n, table) for lid, n in zip(out["locality_id"].astype(str), old, strict=True)]
    if "aliases" in out.columns:
        out["aliases"] = [_with_alias(a, o) if o != n else ("" if _is_missing(a) else a)
                          for a, o, n in zip(out["aliases"], old, new, strict=True)]
    out["name_en"] = new
    return out


def with_boundary_names(boundaries):
    """``boundaries`` named for display: governorates by their press form, other units folded.

    A governorate's ``name_en`` becomes its display name; a district or sub-district named like a
    governorate in OCHA's spelling (the district "Idleb", "Dar'a") gets the governorate's display
    name, and any other name goes through :func:`press_fold` ("Al Bab" -> "Al-Bab"). The boundary
    files keep OCHA's names; this is for drawing and tables.

    Parameters
    ----------
    boundaries : pandas.DataFrame or geopandas.GeoDataFrame
        Boundary rows with ``pcode`` and ``name_en``.

    Returns
    -------
    same type as ``boundaries``
        A copy with the display names filled in.
    """
    out = boundaries.copy()
    if len(out) == 0 or not {"pcode", "name_en"} <= set(out.columns):
        return out
    by_ocha = {g.ocha: g.display for g in GOVERNORATES.values()}
    names = []
    for pcode, name in zip(out["pcode"].astype(str), out["name_en"], strict=True):
        name = "" if _is_missing(name) else str(name)
        names.append(ADMIN1_DISPLAY.get(pcode) or by_ocha.get(name) or press_fold(name))
    out["name_en"] = names
    return out


def with_governorate_column(events):
    """``events`` with ``governorate``: the display name of each row's ``admin1_pcode`` ("" when none).

    For the downloads of a view: the canonical columns stay as they are, the display name is added.

    Parameters
    ----------
    events : pandas.DataFrame
        Rows with ``admin1_pcode`` (without it, ``governorate`` is all "").

    Returns
    -------
    same type as ``events``
        A copy with the ``governorate`` column set.
    """
    out = events.copy()
    codes = out["admin1_pcode"].tolist() if "admin1_pcode" in out.columns else [""] * len(out)
    out["governorate"] = ["" if _is_missing(c) or not str(c) else governorate_name(str(c)) for c in codes]
    return out
