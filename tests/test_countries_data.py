"""Data-level checks of the country gazetteer and its stop lists (no matcher involved).

They read `ctkit/data/countries.tsv`, `regions.tsv` and `capitals.tsv` as plain tables and
hold the rules the matcher relies on: every state present with one display name per language,
every CLDR name listed, no surface shared by two states unless flagged, demonyms in all three
languages, regions that never equal a country name, and a file that the build script reproduces.
"""
from __future__ import annotations

import csv
import importlib.util
import re
import subprocess
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from ctkit.text import fold_key

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "ctkit" / "data"
SCRIPT = ROOT / "scripts" / "build_countries.py"
LANGS = ("en", "fr", "ar")
FLAGS = {"acronym", "ambiguous", "case_sensitive", "common_word", "person_name"}


def _table(name: str) -> list[dict[str, str]]:
    lines = [ln for ln in (DATA / name).read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def countries() -> tuple[dict[str, str], ...]:
    return tuple(_table("countries.tsv"))


@cache
def regions() -> tuple[dict[str, str], ...]:
    return tuple(_table("regions.tsv"))


@cache
def capitals() -> tuple[dict[str, str], ...]:
    return tuple(_table("capitals.tsv"))


@cache
def build_module():
    """scripts/build_countries.py as a module, for its state list (it is not a package)."""
    spec = importlib.util.spec_from_file_location("build_countries", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def surfaces(iso3: str, lang: str, kind: str | None = None) -> set[str]:
    return {r["name"] for r in countries()
            if r["iso3"] == iso3 and r["lang"] == lang and (kind is None or r["kind"] == kind)}


def flags(row: dict[str, str]) -> set[str]:
    return {f for f in row["flags"].split(",") if f}


@cache
def states() -> dict[str, str]:
    """Alpha-2 -> alpha-3 of the gazetteer's states (needs pycountry, a build-time tool)."""
    pytest.importorskip("pycountry", reason="pycountry (build-time tool) is not installed")
    return build_module().states()


# ------------------------------------------------------------------ coverage


def test_state_list_is_the_un_members_and_five_others():
    module = build_module()
    assert len(set(module.UN_MEMBERS)) == 193
    assert set(module.OTHER_STATES) == {"VA", "PS", "XK", "TW", "EH"}
    assert set(states().values()) == {r["iso3"] for r in countries()}
    assert len(states()) == 198


def test_every_state_has_one_display_name_per_language():
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in countries():
        if r["kind"] == "name":
            names[r["iso3"], r["lang"]].append(r["name"])
    iso3s = {r["iso3"] for r in countries()}
    assert len(iso3s) == 198
    for iso3 in iso3s:
        for lang in LANGS:
            assert len(names[iso3, lang]) == 1, (iso3, lang, names[iso3, lang])


def test_every_cldr_name_is_listed_with_its_iso3():
    from babel import Locale

    clean = build_module()._clean
    missing = []
    for alpha2, iso3 in states().items():
        for lang in LANGS:
            name = clean(Locale(lang).territories[alpha2])
            if name not in surfaces(iso3, lang):
                missing.append((iso3, lang, name))
    assert not missing


@pytest.mark.parametrize("iso3,en", [("XKX", "Kosovo"), ("PSE", "Palestine"),
                                     ("ESH", "Western Sahara"), ("TWN", "Taiwan"),
                                     ("VAT", "Holy See"), ("MAR", "Morocco")])
def test_states_outside_the_un_and_western_sahara_are_present(iso3, en):
    assert en in surfaces(iso3, "en")
    assert all(surfaces(iso3, lang, "name") and surfaces(iso3, lang, "alias") | surfaces(
        iso3, lang, "official") for lang in LANGS)


def test_moroccan_names_for_western_sahara_are_aliases_of_esh():
    for lang, name in [("fr", "Sahara marocain"), ("ar", "الصحراء المغربية"),
                       ("en", "Moroccan Sahara")]:
        assert name in surfaces("ESH", lang, "alias")
    assert {"Sahara occidental", "الصحراء الغربية"} <= surfaces("ESH", "fr") | surfaces("ESH", "ar")


@pytest.mark.parametrize("name", ["Réunion", "La Réunion", "réunion", "Greenland", "Groenland",
                                  "Puerto Rico", "Porto Rico", "Gibraltar", "Ceuta", "Melilla",
                                  "Hong Kong", "Sahel", "Maghreb", "المغرب العربي", "Europe",
                                  "Middle East", "Africa", "Rabat", "Casablanca"])
def test_territories_regions_and_cities_are_not_country_names(name):
    keys = {fold_key(r["name"]) for r in countries()}
    assert fold_key(name) not in keys


# ------------------------------------------------------------------ demonyms

# The four French forms (m.sg, f.sg, m.pl, f.pl) of 40 states, written out independently of
# scripts/country_extras.tsv so a slip in either shows up here.
FRENCH_FORMS = {
    "MAR": "marocain marocaine marocains marocaines",
    "ESP": "espagnol espagnole espagnols espagnoles",
    "FRA": "français française français françaises",
    "BEL": "belge belge belges belges",
    "NLD": "néerlandais néerlandaise néerlandais néerlandaises",
    "DEU": "allemand allemande allemands allemandes",
    "USA": "américain américaine américains américaines",
    "NER": "nigérien nigérienne nigériens nigériennes",
    "NGA": "nigérian nigériane nigérians nigérianes",
    "MLI": "malien malienne maliens maliennes",
    "SEN": "sénégalais sénégalaise sénégalais sénégalaises",
    "MRT": "mauritanien mauritanienne mauritaniens mauritaniennes",
    "DZA": "algérien algérienne algériens algériennes",
    "TUN": "tunisien tunisienne tunisiens tunisiennes",
    "LBY": "libyen libyenne libyens libyennes",
    "EGY": "égyptien égyptienne égyptiens égyptiennes",
    "ITA": "italien italienne italiens italiennes",
    "PRT": "portugais portugaise portugais portugaises",
    "GBR": "britannique britannique britanniques britanniques",
    "CHE": "suisse suisse suisses suisses",
    "AUT": "autrichien autrichienne autrichiens autrichiennes",
    "TUR": "turc turque turcs turques",
    "GRC": "grec grecque grecs grecques",
    "RUS": "russe russe russes russes",
    "CHN": "chinois chinoise chinois chinoises",
    "JPN": "japonais japonaise japonais japonaises",
    "SAU": "saoudien saoudienne saoudiens saoudiennes",
    "ARE": "émirati émiratie émiratis émiraties",
    "QAT": "qatari qatarie qataris qataries",
    "ISR": "israélien israélienne israéliens israéliennes",
    "PSE": "palestinien palestinienne palestiniens palestiniennes",
    "TCD": "tchadien tchadienne tchadiens tchadiennes",
    "BFA": "burkinabè burkinabée burkinabès burkinabées",
    "CIV": "ivoirien ivoirienne ivoiriens ivoiriennes",
    "CMR": "camerounais camerounaise camerounais camerounaises",
    "GIN": "guinéen guinéenne guinéens guinéennes",
    "GNB": "bissau-guinéen bissau-guinéenne bissau-guinéens bissau-guinéennes",
    "ZAF": "sud-africain sud-africaine sud-africains sud-africaines",
    "CAN": "canadien canadienne canadiens canadiennes",
    "IND": "indien indienne indiens indiennes",
}


@pytest.mark.parametrize("iso3", sorted(FRENCH_FORMS))
def test_french_demonyms_have_every_gender_and_number(iso3):
    forms = set(FRENCH_FORMS[iso3].split())
    listed = surfaces(iso3, "fr", "demonym") | surfaces(iso3, "fr", "name")
    assert forms <= listed
    nouns = {"-".join(p[:1].upper() + p[1:] for p in f.split("-")) for f in forms}
    assert nouns <= listed  # "les Marocains": the capitalised noun spelling too


def test_french_demonym_rows_are_case_rows_of_each_other():
    """Lower-case adjectives match any case; their capitalised nouns only as written."""
    for r in countries():
        if r["lang"] == "fr" and r["kind"] == "demonym":
            assert ("case_sensitive" in flags(r)) == (r["name"] != r["name"].lower()), r


def test_every_state_has_demonyms_in_english_french_and_arabic():
    missing = [(iso3, lang) for iso3 in {r["iso3"] for r in countries()} for lang in LANGS
               if not surfaces(iso3, lang, "demonym")]
    # English "Dominican" is kept for the Dominican Republic only; "Sahrawi" names a people,
    # not the territory (see ctkit/data/README.md).
    assert sorted(missing) == [("DMA", "en"), ("ESH", "ar"), ("ESH", "en"), ("ESH", "fr")]


@pytest.mark.parametrize("iso3,bare", [("MAR", "مغربي"), ("MAR", "مغاربة"), ("ESP", "إسباني"),
                                       ("ESP", "إسبان"), ("USA", "أمريكي"), ("USA", "أميركي"),
                                       ("DZA", "جزائري"), ("NER", "نيجري"), ("NGA", "نيجيري")])
def test_arabic_demonyms_come_with_and_without_the_article(iso3, bare):
    listed = surfaces(iso3, "ar")
    assert bare in listed and "ال" + bare in listed


def test_arabic_demonyms_list_gender_and_number():
    assert {"مغربي", "مغربية", "مغاربة", "المغربي", "المغربية", "المغاربة", "المغربيين",
            "المغربيون"} <= surfaces("MAR", "ar", "demonym")


# ------------------------------------------------------------------ flags and conflicts


def test_no_surface_names_two_states_unless_flagged_ambiguous():
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in countries():
        groups[fold_key(r["name"])].append(r)
    bad = {key: sorted({r["iso3"] for r in rows}) for key, rows in groups.items()
           if len({r["iso3"] for r in rows}) > 1
           and not all("ambiguous" in flags(r) for r in rows)}
    assert not bad


@pytest.mark.parametrize("name,iso3s", [("Congo", {"COD", "COG"}), ("Congolese", {"COD", "COG"}),
                                        ("congolais", {"COD", "COG"}), ("Korea", {"KOR", "PRK"}),
                                        ("Corée", {"KOR", "PRK"}), ("كوريا", {"KOR", "PRK"})])
def test_shared_short_names_are_flagged_ambiguous(name, iso3s):
    rows = [r for r in countries() if r["name"] == name]
    assert {r["iso3"] for r in rows} == iso3s
    assert all("ambiguous" in flags(r) for r in rows)


@pytest.mark.parametrize("iso3,lang,name,flag", [
    ("TCD", "en", "Chad", "person_name"), ("JOR", "en", "Jordan", "person_name"),
    ("GEO", "en", "Georgia", "person_name"), ("MLI", "ar", "مالي", "common_word"),
    ("OMN", "ar", "عُمان", "common_word"), ("USA", "en", "US", "acronym"),
    ("GBR", "en", "U.K.", "acronym"), ("COD", "fr", "RDC", "acronym"),
    ("ARE", "fr", "EAU", "acronym"), ("TUR", "en", "Turkey", "common_word"),
])
def test_known_traps_carry_their_flags(iso3, lang, name, flag):
    row = next(r for r in countries() if (r["iso3"], r["lang"], r["name"]) == (iso3, lang, name))
    assert flag in flags(row)


def test_case_rules_english_french_names_and_acronyms():
    for r in countries():
        f = flags(r)
        assert f <= FLAGS, r
        if "acronym" in f or r["lang"] == "en" or (r["lang"] == "fr" and r["kind"] != "demonym"):
            assert "case_sensitive" in f, r
        if r["lang"] == "ar":
            assert "case_sensitive" not in f, r


def test_file_is_sorted_without_duplicates():
    rows = countries()
    assert list(rows[0]) == ["iso3", "lang", "name", "kind", "source", "flags"]
    keys = [(r["iso3"], r["lang"], r["kind"], r["name"]) for r in rows]
    assert keys == sorted(keys)
    assert len({(r["iso3"], r["lang"], r["name"]) for r in rows}) == len(rows)
    assert {r["kind"] for r in rows} == {"name", "official", "alias", "demonym"}
    assert {r["source"] for r in rows} == {"cldr", "manual"}
    head = (DATA / "countries.tsv").read_text("utf-8").splitlines()[:6]
    assert any("Unicode" in ln for ln in head) and any("MIT" in ln for ln in head)


# ------------------------------------------------------------------ regions and capitals

# Region names that may contain a name of the focal country, Morocco (the Maghreb cases).
MAGHREB = {"المغرب العربي", "المغرب الكبير", "دول المغرب العربي", "بلدان المغرب العربي",
           "منطقة المغرب العربي", "المغرب الإسلامي", "بلاد المغرب الإسلامي",
           "اتحاد المغرب العربي", "تنظيم القاعدة في بلاد المغرب الإسلامي", "صلاة المغرب",
           "أذان المغرب"}


def _spans(text_key: str) -> set[str]:
    """Every substring of a folded name that starts and ends on a word boundary."""
    starts = [m.start() for m in re.finditer(r"(?<!\w)\w", text_key)]
    ends = [m.end() for m in re.finditer(r"\w(?!\w)", text_key)]
    return {text_key[s:e] for s in starts for e in ends if e > s}


def _contains_any(text_key: str, keys: set[str]) -> bool:
    return bool(_spans(text_key) & keys)


def test_regions_are_never_country_names():
    country_keys = {fold_key(r["name"]) for r in countries()}
    assert not [r["name"] for r in regions() if fold_key(r["name"]) in country_keys]
    assert {r["kind"] for r in regions()} <= {"region", "feature", "demonym", "group",
                                              "territory", "phrase"}


def test_regions_overlap_morocco_only_in_the_listed_maghreb_cases():
    moroccan = {fold_key(r["name"]) for r in countries() if r["iso3"] == "MAR"}
    overlaps = {r["name"] for r in regions()
                if _contains_any(fold_key(r["name"]), moroccan)}
    assert overlaps == MAGHREB
    assert {"Grand Maghreb", "Maghreb arabe", "Arab Maghreb Union",
            "Afrique de l'Ouest"} <= {r["name"] for r in regions()}


def test_territories_named_after_a_state_are_stopped():
    """An ISO territory outside the gazetteer whose CLDR name holds a country name is listed."""
    from babel import Locale

    country_keys = {fold_key(r["name"]) for r in countries()}
    region_keys = {fold_key(r["name"]) for r in regions()}
    included = set(states())
    missing = []
    for lang in LANGS:
        for code, name in Locale(lang).territories.items():
            if len(code) != 2 or not code.isalpha() or code in included:
                continue
            key = fold_key(name)
            if _contains_any(key, country_keys) and key not in region_keys:
                missing.append((code, lang, name))
    assert not missing


def test_every_state_has_a_capital_in_each_language():
    have: dict[str, set[str]] = defaultdict(set)
    for r in capitals():
        if r["kind"] == "capital":
            have[r["iso3"]].add(r["lang"])
    assert {iso3 for iso3, langs in have.items() if langs == set(LANGS)} == \
        {r["iso3"] for r in countries()}
    rows = {(r["iso3"], r["lang"], r["name"]) for r in capitals()}
    assert {("MAR", "ar", "الرباط"), ("JOR", "ar", "عمان"), ("ESP", "en", "Ceuta"),
            ("ESP", "ar", "مليلية"), ("MAR", "fr", "Tanger")} <= rows


# ------------------------------------------------------------------ reproducibility


def test_tsv_is_what_the_build_script_writes(tmp_path):
    pytest.importorskip("pycountry", reason="pycountry (build-time tool) is not installed")
    import babel

    built_with = re.search(r"via babel (\S+)", (DATA / "countries.tsv").read_text("utf-8"))
    if built_with and built_with.group(1) != babel.__version__:
        pytest.skip(f"countries.tsv was built with babel {built_with.group(1)}, this is "
                    f"{babel.__version__}: CLDR names change between releases, so only the "
                    "same version can reproduce the file byte for byte")
    out = tmp_path / "countries.tsv"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.read_text("utf-8") == (DATA / "countries.tsv").read_text("utf-8")


@pytest.mark.parametrize("line,message", [
    ("DMA\ten\tdemonym\t\tDominican|Dominicans", "without the ambiguous flag"),
    ("MAR\tfr\tdemonym\t\tmarocain|marocaine|marocains", "4 forms"),
    ("MAR\tfr\talias\t\tMAROC", "folds to the same key"),
    ("ESP\tar\tdemonym\t\tأندلسي", "lacks"),
])
def test_build_fails_loudly_on_broken_rules(tmp_path, line, message):
    module = build_module()
    extras = tmp_path / "extras.tsv"
    extras.write_text(module.EXTRAS.read_text("utf-8") + line + "\n", "utf-8")
    with pytest.raises(module.DataError, match=message):
        module.build(states(), extras=extras)
