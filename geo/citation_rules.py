"""Word lists behind mention detection (``geo.citations``): venues abroad, false friends,
organisations named after places, and the cues of "Damascus" meaning the government.

All keys are in the form of :func:`geo.gazetteer.normalize` (lower case, no accents, article
dropped).  Kept apart from the matcher so that the lists can be read and extended on their own.
"""

from __future__ import annotations

#: Places abroad that reports cite: canonical name -> spellings.  Recognised as ``venue``
#: mentions, listed apart, never drawn as Syrian towns.  Countries are included only where
#: they host talks (Kazakhstan, Switzerland); other states are actors rather than places.
VENUES: dict[str, list[str]] = {
    "Astana": ["Astana", "Akmola", "Астана", "أستانا", "استانا", "آستانة", "أستانة"],
    "Geneva": ["Geneva", "Genève", "Geneve", "Genf", "جنيف"],
    "Moscow": ["Moscow", "Moskva", "Москва", "موسكو"],
    "Ankara": ["Ankara", "أنقرة", "انقره"],
    "Tehran": ["Tehran", "Teheran", "طهران"],
    "Riyadh": ["Riyadh", "Riyad", "الرياض"],
    "Washington": ["Washington", "Washington DC", "واشنطن"],
    "Kazakhstan": ["Kazakhstan", "كازاخستان"],
    "Switzerland": ["Switzerland", "سويسرا"],
    "Beirut": ["Beirut", "Beyrouth", "بيروت"],
    "Amman": ["Amman", "عمان"],
    "Istanbul": ["Istanbul", "İstanbul", "إسطنبول", "اسطنبول"],
    "Sochi": ["Sochi", "سوتشي"],
    "New York": ["New York", "نيويورك"],
    "Paris": ["Paris", "باريس"],
    "London": ["London", "لندن"],
    "Brussels": ["Brussels", "بروكسل"],
    "Berlin": ["Berlin", "برلين"],
    "Vienna": ["Vienna", "فيينا"],
    "Lausanne": ["Lausanne", "لوزان"],
    "Munich": ["Munich", "ميونخ"],
    "Rome": ["Rome"],
    "Doha": ["Doha", "الدوحة"],
    "Cairo": ["Cairo", "القاهرة"],
    "Baghdad": ["Baghdad", "بغداد"],
    "Abu Dhabi": ["Abu Dhabi", "أبوظبي"],
    "Dubai": ["Dubai", "دبي"],
    "Jeddah": ["Jeddah", "Jidda", "جدة"],
    "Kuwait City": ["Kuwait City"],
    "Jerusalem": ["Jerusalem"],
    "Tel Aviv": ["Tel Aviv"],
    "Gaziantep": ["Gaziantep", "Antep", "عنتاب", "غازي عنتاب"],
    "Kilis": ["Kilis", "كلس"],
    "Antakya": ["Antakya", "Antioch"],
    "Hatay": ["Hatay"],
    "Reyhanli": ["Reyhanli", "Reyhanlı"],
    "Sanliurfa": ["Sanliurfa", "Şanlıurfa", "Urfa"],
    "Erbil": ["Erbil", "Irbil", "أربيل"],
    "Mosul": ["Mosul", "الموصل"],
    "Arsal": ["Arsal", "عرسال"],
    "Baalbek": ["Baalbek"],
    "Minsk": ["Minsk"],
    "Oslo": ["Oslo"],
    "Hmeimim": [],  # kept empty: a Syrian air base, not abroad (documented choice)
}

#: Arabic-script keys (normalised) that are common words: never / only with the article.
BLOCKED_AR: frozenset[str] = frozenset("شام خان سام".split())
WEAK_AR: frozenset[str] = frozenset("باب تل حمراء راعي سفيره".split())

#: Normalised single-word keys that are English words, person names or names of places
#: elsewhere: never a town on their own, whatever the capitalisation.
BLOCKED: frozenset[str] = frozenset(
    """sham cham seen nazi soda murk shin chine mare hal sam khan balo ayu ayou gama neva nava
    tortosa sousse susa susah beroea veroia berea beria ezra dali dana mara mari qasim sabbah
    karto kartu selemie alep baath bath""".split()
)

#: Single-word keys that are also common words or names: accepted only when written with
#: the article (al-Bab, At-Tall, al-Rai ...).
WEAK: frozenset[str] = frozenset(
    """bab tall tell tal hol hul rai hula kara hamra harem safir nasirah sharan bulbul tishreen tishrin
    ansari mashhad shaar fardous
    banan ajami karmah karimah hanadi hinadi hennadi ghazale jaba smad samad sajin sijn daal
    dael dail hich hish haul hool milh mork qara rasm riha saan siin tasil teft tsil izra jiza
    jize jala reqa raka dera dara""".split()
)

#: Words that head an organisation's name ("Ahrar al-Sham", "Jaish al-Islam", "Liwa ...").
ORG_HEADS: frozenset[str] = frozenset(
    """jaish jaysh jeish jish ahrar tahrir fateh fatah faylaq failaq fayloq ahl ansar ajnad suqour
    suqur saqr liwa jabhat jabha harakat haraket kataib katibat jund tajammu tajamu hayat hayet
    hayaat bilad alwiya alwiyat firqat shuhada thuwar jamaat jamaa""".split()
)
#: Words after a place name that make it part of an organisation's or a person's name.
ORG_TAILS: frozenset[str] = frozenset(
    """military media brigade brigades battalion battalions army falcons operations revolutionaries
    revolutionary liberation front division regiment hawks lions martyrs shield legion corps""".split()
)
#: Word pairs after a place name, in any case, that name an organisation ("the Deraa operations room").
ORG_TAIL_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {("operations", "room"), ("military", "council"), ("media", "center"), ("media", "centre"),
     ("media", "office"), ("revolutionary", "council"), ("liberation", "front")}
)
#: Words before a place name that make it part of a person's name ("Abu Hama", "ibn ...").
PERSON_HEADS: frozenset[str] = frozenset("abu abou umm bin ibn bint".split())
#: Town names that are also given names: not a town when a capitalised word follows
#: ("Jassem Mohammed"), a town otherwise ("fighting in Jassem").
PERSONAL_NAMES: frozenset[str] = frozenset("jasim jassem jassim jasem".split())
#: Words before "Duma" that make it the Russian parliament.
DUMA_PARLIAMENT: frozenset[str] = frozenset("state russian russia's russias the".split())

#: Organisation names to skip wholesale (normalised word sequences).
ORGANISATIONS: tuple[str, ...] = (
    "free idlib army",
    "jaish idlib hurr",
    "raqqa is being slaughtered silently",
    "aleppo media center",
    "aleppo media centre",
    "idlib media center",
    "fatah halab",
    "fateh halab",
    "jaish fatah",
    "homs liberation movement",
    "damascus university",
    "aleppo university",
    "university of damascus",
    "university of aleppo",
    "damascus international airport",
    "aleppo international airport",
    "damascus countryside",
    "rural damascus",
    "eastern ghouta",
)

# --- "Damascus" as the government -------------------------------------------------------------

#: Nouns that, after "Damascus's" or "Damascus", make it the government.
GOV_NOUNS: frozenset[str] = frozenset(
    """delegation delegations government regime negotiators negotiator envoy envoys representative
    representatives forces troops army allies ally backers position positions demands stance
    officials official military refusal offensive ambassador authorities leadership side team
    consent approval objection objections insistence participation acceptance rejection strategy
    intentions demand policy""".split()
)
#: Verbs (and auxiliaries) that, after "Damascus", make it the government.
GOV_VERBS: frozenset[str] = frozenset(
    """said says say claimed claims insisted insists accused accuses denied denies rejected rejects
    agreed agrees refused refuses wants wanted demanded demands announced announces blamed blames
    warned warns welcomed welcomes sent sends signed signs accepted accepts argued argues
    maintains maintained responded responds vowed vows pledged pledges dismissed dismisses
    threatened threatens hopes hoped seeks sought considers considered believes believed views
    regards regarded sees saw insist agree refuse reject deny accuse want demand told tells
    informed asked asks expects expected confirmed confirms opposes opposed objected objects
    insisting demanding refusing rejecting""".split()
)
#: Auxiliaries: "Damascus will not ...", "Damascus has accused ..." (checked with the next word).
GOV_AUX: frozenset[str] = frozenset("will would must could should may might did does has have had".split())
#: Words after "Damascus will/has ..." that keep it a place (passives, location).
PLACE_VERBS: frozenset[str] = frozenset(
    """be been become hit shelled struck bombed home located surrounded besieged suffering suffered
    quiet calm still long seen witnessed experienced being facing""".split()
)
#: States after "Damascus is/was" that make it the government ("Damascus is ready to ...").
GOV_STATES: frozenset[str] = frozenset(
    """ready willing unwilling prepared committed determined open reluctant adamant keen eager
    insistent opposed unlikely likely expected""".split()
)
#: Words before "Damascus" that make it the government ("pro-Damascus", "backed by Damascus").
GOV_BEFORE: tuple[tuple[str, ...], ...] = (
    ("pro",),
    ("anti",),
    ("ally", "of"),
    ("allies", "of"),
    ("backed", "by"),
    ("supported", "by"),
    ("pressure", "on"),
    ("talks", "with"),
    ("negotiate", "with"),
    ("negotiating", "with"),
    ("negotiations", "with"),
    ("relations", "with"),
    ("ties", "with"),
    ("deal", "with"),
    ("agreement", "with"),
    ("support", "for"),
    ("support", "to"),
    ("demands", "of"),
    ("position", "of"),
    ("opposition", "and"),
    ("rebels", "and"),
    ("moscow", "and"),
    ("tehran", "and"),
    ("russia", "and"),
    ("iran", "and"),
    ("ankara", "and"),
    ("washington", "and"),
    ("by",),
    ("accused",),
    ("urged",),
    ("pressed",),
)
#: Words after "Damascus and" that make it the government ("Damascus and its allies").
GOV_AND: frozenset[str] = frozenset(
    """its allies moscow tehran russia iran ankara turkey washington the opposition rebels
    hezbollah""".split()
)
#: Suffixes joined by a hyphen ("Damascus-backed") that make it the government.
GOV_HYPHEN_SUFFIX: frozenset[str] = frozenset("backed allied aligned controlled loyal friendly led".split())
