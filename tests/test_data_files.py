"""Checks on the hand-compiled data files: orgs, org heads, person cues/stops and event triggers.

The rules are documented in ctkit/data/README.md ("Organisations, events and cue words").
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from importlib import resources

import pytest

from ctkit.text import fold_key

ORG_KINDS = {"police", "intelligence", "gendarmerie", "military", "ministry", "judiciary",
             "customs", "border", "igo", "ngo", "other"}
ALIAS_KINDS = {"name", "short", "acronym"}
EVENT_CODES = {"meeting": "040", "visit": "042", "conference": "044", "agreement": "057",
               "training": "062", "joint_operation": "062", "information_exchange": "064",
               "judicial": "063", "aid": "070", "statement": "010"}
MAIN_LANGS = ("en", "fr", "ar")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")

#: file -> (header columns, sort key over a row dict)
FILES = {
    "orgs.tsv": (["org_id", "iso3", "kind", "lang", "alias", "alias_kind"],
                 lambda r: (r["org_id"], r["lang"], r["alias_kind"], r["alias"])),
    "org_heads.tsv": (["lang", "head", "kind", "position"],
                      lambda r: (r["lang"], r["kind"], r["position"], r["head"])),
    "person_cues.tsv": (["lang", "cue", "kind"], lambda r: (r["lang"], r["kind"], r["cue"])),
    "person_stop.tsv": (["lang", "word"], lambda r: (r["lang"], r["word"])),
    "events.tsv": (["lang", "type", "code", "trigger", "weak"],
                   lambda r: (r["type"], r["lang"], r["trigger"])),
}


@cache
def _read(name: str) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """(comment lines, header, rows) of a shipped data file, parsed without any library help."""
    text = resources.files("ctkit").joinpath(f"data/{name}").read_text("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "", f"{name}: must end with a newline"
    lines = lines[:-1]
    comments = []
    while lines and lines[0].startswith("#"):
        comments.append(lines.pop(0))
    header = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], start=len(comments) + 2):
        fields = line.split("\t")
        assert len(fields) == len(header), f"{name}:{n}: {len(fields)} fields, want {len(header)}"
        rows.append(dict(zip(header, fields, strict=True)))
    return comments, header, rows


def rows(name: str) -> list[dict[str, str]]:
    return _read(name)[2]


# ------------------------------------------------------------------ all files


@pytest.mark.parametrize("name", sorted(FILES))
def test_header_comment_names_source_and_licence(name):
    comments, header, _ = _read(name)
    text = " ".join(comments)
    assert comments and "hand-compiled facts, ctkit project, MIT" in text
    assert header == FILES[name][0]


@pytest.mark.parametrize("name", sorted(FILES))
def test_fields_are_clean(name):
    for r in rows(name):
        for col, value in r.items():
            if col == "iso3":
                continue  # empty for international bodies and groups
            assert value, f"{name}: empty {col} in {r}"
            assert value == value.strip() and "  " not in value, f"{name}: spacing in {value!r}"
            assert '"' not in value and "\r" not in value, f"{name}: quote or CR in {value!r}"
            assert "\u2019" not in value, f"{name}: use a straight apostrophe in {value!r}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_rows_are_sorted_and_unique(name):
    key = FILES[name][1]
    keys = [key(r) for r in rows(name)]
    assert keys == sorted(keys), f"{name}: not sorted by its documented key"
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, f"{name}: duplicate rows {dupes[:5]}"


@pytest.mark.parametrize("name,col", [("orgs.tsv", "alias"), ("org_heads.tsv", "head"),
                                      ("person_cues.tsv", "cue"), ("person_stop.tsv", "word"),
                                      ("events.tsv", "trigger")])
def test_script_matches_language(name, col):
    for r in rows(name):
        text = r[col]
        if r["lang"] == "ar":
            assert ARABIC.search(text) and not LATIN.search(text), f"{name}: {text!r} not Arabic"
        else:
            assert not ARABIC.search(text), f"{name}: Arabic in a {r['lang']} row: {text!r}"


@pytest.mark.parametrize("name,col", [("orgs.tsv", "alias"), ("org_heads.tsv", "head")])
def test_arabic_names_carry_no_clitics(name, col):
    """The matcher adds و ب ل ف ك in front of names: list the bare form (events may start with a
    preposition that belongs to the phrase, as in بالتنسيق مع)."""
    for r in rows(name):
        if r["lang"] == "ar":
            first = r[col].split()[0]
            assert not re.match(r"^(?:[وفبك]ال|لل)", first), f"{name}: clitic in {r[col]!r}"


# ------------------------------------------------------------------ orgs.tsv


def test_orgs_values_are_allowed():
    for r in rows("orgs.tsv"):
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", r["org_id"]), r["org_id"]
        assert r["kind"] in ORG_KINDS, r
        assert r["alias_kind"] in ALIAS_KINDS, r
        assert re.fullmatch(r"[a-z]{2}", r["lang"]), r
        assert r["iso3"] == "" or re.fullmatch(r"[A-Z]{3}", r["iso3"]), r


def test_each_org_has_one_owner_one_kind_and_one_canonical_english_name():
    owner: dict[str, set[tuple[str, str]]] = defaultdict(set)
    canon: Counter[str] = Counter()
    for r in rows("orgs.tsv"):
        owner[r["org_id"]].add((r["iso3"], r["kind"]))
        canon[r["org_id"]] += r["lang"] == "en" and r["alias_kind"] == "name"
    assert {o for o, v in owner.items() if len(v) != 1} == set()
    assert {o: n for o, n in canon.items() if n != 1} == {}


def test_national_org_ids_carry_their_country():
    for r in rows("orgs.tsv"):
        if r["iso3"]:
            assert r["org_id"].startswith(r["iso3"].lower() + "_"), r["org_id"]


def test_acronyms_are_upper_case_tokens():
    for r in rows("orgs.tsv"):
        if r["alias_kind"] != "acronym":
            continue
        a = r["alias"]
        upper = sum(c.isupper() for c in a)
        lower = sum(c.islower() for c in a)
        assert " " not in a and (a[0].isupper() or a[0].isdigit()), a
        assert upper >= 1 and upper >= lower, f"{a!r}: not an acronym (DGST, BfV, G7, F.B.I.)"


def test_no_alias_belongs_to_two_orgs():
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows("orgs.tsv"):
        key = ("exact", r["alias"]) if r["alias_kind"] == "acronym" else (
            "folded", fold_key(r["alias"]))
        owners[key].add(r["org_id"])
    for (how, alias), ids in owners.items():
        if how == "exact":
            ids = ids | owners.get(("folded", fold_key(alias)), set())
        assert len(ids) == 1, f"{alias!r} belongs to {sorted(ids)}"


def test_iso3_codes_are_known_countries():
    codes = {r["iso3"] for r in rows("orgs.tsv") if r["iso3"]}
    try:
        known = {r["iso3"] for r in rows("countries.tsv")}
    except FileNotFoundError:
        pytest.skip("ctkit/data/countries.tsv not written yet")
    assert codes <= known, sorted(codes - known)


def test_orgs_coverage_floor():
    org_rows = rows("orgs.tsv")
    ids = {r["org_id"] for r in org_rows}
    assert len(ids) >= 250 and len(org_rows) >= 1200
    by_lang = Counter(r["lang"] for r in org_rows)
    assert all(by_lang[lang] >= 500 for lang in MAIN_LANGS), by_lang
    # every Moroccan body has a French and an Arabic name, not only an English one
    for oid in {r["org_id"] for r in org_rows if r["iso3"] == "MAR"}:
        langs = {r["lang"] for r in org_rows if r["org_id"] == oid}
        assert {"en", "fr", "ar"} <= langs, oid


def test_every_alias_resolves_to_its_own_org():
    """Through the real matcher: each alias, alone, is one whole hit for its org (no shadowing)."""
    from ctkit.entities import org_gazetteer

    gaz = org_gazetteer()
    bad = []
    for r in rows("orgs.tsv"):
        hits = gaz.find(r["alias"])
        ok = (len(hits) == 1 and hits[0].surface == r["alias"]
              and any(e.payload.org_id == r["org_id"] for e in hits[0].entries))
        if not ok:
            bad.append((r["org_id"], r["alias"]))
    assert bad == []


@pytest.mark.parametrize("text,org_id", [
    ("Le BCIJ, relevant de la DGST, a démantelé la cellule.", "mar_bcij"),
    ("وأعلنت المديرية العامة لمراقبة التراب الوطني عن تفكيك خلية", "mar_dgst"),
    ("بتنسيق مع المكتب المركزي للأبحاث القضائية", "mar_bcij"),
    ("the Anti-Terrorism Police Unit of Kenya", "ken_atpu"),
    ("Il a été extradé à la demande du Parquet national antiterroriste.", "fra_pnat"),
    ("Les militants de l'EIGS ont attaqué un poste.", "isgs"),
    ("وشارك ممثلو الإنتربول واليوروبول في الاجتماع", "interpol"),
])
def test_gazetteer_finds_core_bodies_in_running_text(text, org_id):
    from ctkit.entities import org_gazetteer

    found = {e.payload.org_id for h in org_gazetteer().find(text) for e in h.entries}
    assert org_id in found


# ------------------------------------------------------------------ org_heads.tsv


def test_org_heads_values_are_allowed():
    for r in rows("org_heads.tsv"):
        assert r["lang"] in MAIN_LANGS, r
        assert r["kind"] in ORG_KINDS, r
        assert r["position"] in {"before", "after", "of"}, r
        # English puts the adjective first; French and Arabic put it after the head
        allowed = {"en": {"before", "of"}, "fr": {"after", "of"}, "ar": {"after", "of"}}
        assert r["position"] in allowed[r["lang"]], r


def test_org_heads_cover_the_main_agency_kinds_in_each_language():
    have = {(r["lang"], r["kind"]) for r in rows("org_heads.tsv")}
    for lang in MAIN_LANGS:
        for kind in ("police", "gendarmerie", "intelligence", "military", "ministry", "border",
                     "customs", "judiciary"):
            assert (lang, kind) in have, (lang, kind)


# ------------------------------------------------------------------ persons


def test_person_cues_values_are_allowed():
    cues = rows("person_cues.tsv")
    assert all(r["lang"] in MAIN_LANGS and r["kind"] in {"title", "role"} for r in cues)
    assert len({(r["lang"], r["cue"]) for r in cues}) == len(cues), "a cue has two kinds"
    assert {(r["lang"], r["kind"]) for r in cues} == {(lang, kind) for lang in MAIN_LANGS
                                                      for kind in ("title", "role")}


def test_person_stop_words_are_single_tokens():
    words = rows("person_stop.tsv")
    assert all(r["lang"] in MAIN_LANGS and " " not in r["word"] for r in words)
    assert {r["lang"] for r in words} == set(MAIN_LANGS)


# ------------------------------------------------------------------ events.tsv


def test_event_types_and_codes_follow_the_fixed_map():
    for r in rows("events.tsv"):
        assert r["type"] in EVENT_CODES, r
        assert r["code"] == EVENT_CODES[r["type"]], r
        assert r["weak"] in {"0", "1"}, r
        assert r["lang"] in MAIN_LANGS, r


def test_each_event_type_has_triggers_in_each_language():
    n = Counter((r["type"], r["lang"]) for r in rows("events.tsv"))
    strong = Counter(r["type"] for r in rows("events.tsv") if r["weak"] == "0")
    for t in EVENT_CODES:
        assert all(n[(t, lang)] >= 10 for lang in MAIN_LANGS), (t, n)
        assert sum(n[(t, lang)] for lang in MAIN_LANGS) >= 40, t
        assert strong[t] >= 20, t


def test_no_trigger_belongs_to_two_types():
    types: dict[str, set[str]] = defaultdict(set)
    for r in rows("events.tsv"):
        types[fold_key(r["trigger"])].add(r["type"])
    assert {k: v for k, v in types.items() if len(v) > 1} == {}


def test_every_trigger_resolves_to_its_own_type():
    """Through the real matcher: no trigger is shadowed by a longer one of another type."""
    from ctkit.events import trigger_gazetteer

    gaz = trigger_gazetteer()
    bad = []
    for r in rows("events.tsv"):
        hits = gaz.find(r["trigger"])
        if not (len(hits) == 1 and hits[0].surface == r["trigger"]
                and hits[0].entry.payload.type == r["type"]):
            bad.append((r["type"], r["trigger"]))
    assert bad == []


@pytest.mark.parametrize("text,type_", [
    ("The two sides signed a memorandum of understanding on security.", "agreement"),
    ("Les deux parties ont signé un mémorandum d'entente.", "agreement"),
    ("ووقعت المملكة المغربية ومملكة إسبانيا مذكرة تفاهم", "agreement"),
    ("وبتنسيق مع المصالح الأمنية الإسبانية", "joint_operation"),
    ("He was extradited to Morocco last week.", "judicial"),
    ("وأشاد الوزير بالتعاون الأمني", "statement"),
])
def test_triggers_fire_in_running_text(text, type_):
    from ctkit.events import trigger_gazetteer

    assert type_ in {h.entry.payload.type for h in trigger_gazetteer().find(text)}
