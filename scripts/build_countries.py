"""Build `ctkit/data/countries.tsv`, the country gazetteer, and check its companion files.

The gazetteer is CLDR territory names in en/fr/ar (via babel) for every sovereign state, plus
the hand-written official names, aliases, acronyms and demonyms of `scripts/country_extras.tsv`.
ISO 3166-1 alpha-3 codes come from pycountry (a build-time tool only; ctkit never imports it).
The script fails loudly, naming the rows, when the data break a rule ctkit relies on: one
display name per state and language, no surface shared by two states unless flagged
`ambiguous`, no region in `regions.tsv` that is also a country name, a capital for every state.

    python scripts/build_countries.py            # rebuild ctkit/data/countries.tsv
    python scripts/build_countries.py --check    # exit 1 if the shipped file is out of date
    python scripts/build_countries.py --out /tmp/countries.tsv
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "ctkit" / "data"
EXTRAS = ROOT / "scripts" / "country_extras.tsv"
OUT = DATA / "countries.tsv"
REGIONS = DATA / "regions.tsv"
CAPITALS = DATA / "capitals.tsv"

LANGS = ("en", "fr", "ar")
KINDS = ("alias", "demonym", "name", "official")
SOURCES = ("cldr", "manual")
FLAGS = ("acronym", "ambiguous", "case_sensitive", "common_word", "person_name")
HAND_FLAGS = frozenset({"ambiguous", "common_word", "person_name"})  # the rest are derived
# Kinds allowed in the extras file: `acronym` is written as an alias flagged acronym, `prefix`
# (combining form: "maroco" in "maroco-espagnol") as a demonym; `name` only adds flags to the
# CLDR name of that state and language.
EXTRA_KINDS = ("acronym", "alias", "demonym", "name", "official", "prefix")
COLUMNS = ("iso3", "lang", "name", "kind", "source", "flags")

# The 193 member states of the United Nations (ISO 3166-1 alpha-2).
UN_MEMBERS = """
AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CF CG
CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD GE GH
GM GN GQ GR GT GW GY HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MR MT MU MV MW MX MY MZ NA NE NG
NI NL NO NP NR NZ OM PA PE PG PH PK PL PT PW PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN
SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN TO TR TT TV TZ UA UG US UY UZ VC VE VN VU WS YE ZA ZM
ZW
""".split()
# States outside the UN and one disputed territory that ctkit reports like a country.
OTHER_STATES = ("VA", "PS", "XK", "TW", "EH")
USER_ASSIGNED = {"XK": "XKX"}  # Kosovo: user-assigned code, not in ISO 3166-1
# (state, language) pairs without a demonym, on purpose (ctkit/data/README.md): English
# "Dominican" is kept for the Dominican Republic only; "Sahrawi" names a people living in
# several states, not the territory, so Western Sahara has no demonym.
NO_DEMONYM = frozenset({("DMA", "en"), ("ESH", "en"), ("ESH", "fr"), ("ESH", "ar")})


@dataclass(frozen=True)
class Row:
    """One name variant of one country in one language."""

    iso3: str
    lang: str
    name: str
    kind: str
    source: str
    flags: frozenset[str] = frozenset()

    def cells(self) -> tuple[str, ...]:
        """The row as TSV cells, flags sorted and comma-separated."""
        return (self.iso3, self.lang, self.name, self.kind, self.source,
                ",".join(sorted(self.flags)))


class DataError(Exception):
    """The data break a rule; the message lists every offending row."""


def fold_key(name: str) -> str:
    """The matcher's folded form of a name (ctkit.text), so checks see what the matcher sees."""
    try:
        from ctkit.text import fold_key as ctkit_fold
    except ImportError:  # running from a checkout without ctkit installed
        sys.path.insert(0, str(ROOT))
        from ctkit.text import fold_key as ctkit_fold
    return ctkit_fold(name)


def states() -> dict[str, str]:
    """Alpha-2 -> alpha-3 for every state in the gazetteer (pycountry for the ISO codes)."""
    import pycountry

    out: dict[str, str] = {}
    for alpha2 in (*UN_MEMBERS, *OTHER_STATES):
        if alpha2 in USER_ASSIGNED:
            out[alpha2] = USER_ASSIGNED[alpha2]
            continue
        country = pycountry.countries.get(alpha_2=alpha2)
        if country is None:
            raise DataError(f"pycountry has no ISO 3166-1 entry for {alpha2}")
        out[alpha2] = country.alpha_3
    if len(UN_MEMBERS) != 193 or len(set(out)) != len(UN_MEMBERS) + len(OTHER_STATES):
        raise DataError("the state list must hold the 193 UN members and the 5 others, once each")
    return out


def cldr_names(codes: dict[str, str]) -> list[Row]:
    """The CLDR display name of each state in each language: kind `name`, one per pair."""
    from babel import Locale

    rows = []
    for lang in LANGS:
        territories = Locale(lang).territories
        for alpha2, iso3 in codes.items():
            rows.append(Row(iso3, lang, _clean(territories[alpha2]), "name", "cldr"))
    return rows


def cldr_variants(codes: dict[str, str]) -> list[Row]:
    """Names that regional CLDR locales (en_CA, fr_CA, ar_SA ...) use instead: kind `alias`."""
    from babel import Locale, localedata

    rows = []
    for ident in sorted(localedata.locale_identifiers()):
        locale = Locale.parse(ident)
        if locale.language not in LANGS or ident == locale.language or locale.script:
            continue
        for alpha2, iso3 in codes.items():
            name = locale.territories.get(alpha2)
            if name:
                rows.append(Row(iso3, locale.language, _clean(name), "alias", "cldr"))
    return rows


def _clean(name: str) -> str:
    """NFC, no-break hyphens and spaces as plain ones, single spaces."""
    name = unicodedata.normalize("NFC", name).replace("\u2011", "-").replace("\u00a0", " ")
    return " ".join(name.split())


def read_extras(path: Path = EXTRAS) -> list[tuple[int, str, str, str, frozenset[str], list[str]]]:
    """Rows of the hand-written extras: (line, iso3, lang, kind, flags, surfaces)."""
    out = []
    errors = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[:5] == ["iso3", "lang", "kind", "flags", "names"]:
            continue
        if len(cells) != 5:
            errors.append(f"{path.name}:{number}: expected 5 tab-separated cells, got {len(cells)}")
            continue
        iso3, lang, kind, flag_cell, names_cell = cells
        flags = frozenset(f for f in flag_cell.split(",") if f)
        names = [_clean(n) for n in names_cell.split("|")]
        problems = []
        if lang not in LANGS:
            problems.append(f"language {lang!r}")
        if kind not in EXTRA_KINDS:
            problems.append(f"kind {kind!r}")
        if flags - HAND_FLAGS:
            problems.append(f"flags {sorted(flags - HAND_FLAGS)} (only {sorted(HAND_FLAGS)})")
        if any(not n for n in names):
            problems.append("an empty name")
        if lang == "fr" and kind == "demonym" and len(names) != 4:
            problems.append("French demonyms need the 4 forms m.sg|f.sg|m.pl|f.pl")
        if lang == "fr" and kind in ("demonym", "prefix") and any(n != n.lower() for n in names):
            problems.append("French demonyms are written in lower case (capitals are derived)")
        if kind == "prefix" and len(names) != 1:
            problems.append("one combining form per prefix row")
        if problems:
            errors.append(f"{path.name}:{number}: {iso3} {lang}: " + "; ".join(problems))
            continue
        out.append((number, iso3, lang, kind, flags, names))
    if errors:
        raise DataError("\n".join(errors))
    return out


def capitalised(name: str) -> str:
    """French noun spelling of a demonym, each part capitalised: sud-africain -> Sud-Africain."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"([-\s'])", name))


def build(codes: dict[str, str], *, extras: Path = EXTRAS) -> list[Row]:
    """All gazetteer rows, merged, flagged and sorted; raises DataError on a broken rule."""
    iso3s = set(codes.values())
    rows: dict[tuple[str, str, str], Row] = {}
    keys: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)  # (iso3, lang) -> key -> row
    errors: list[str] = []

    def add(row: Row, *, origin: str) -> None:
        where = (row.iso3, row.lang, row.name)
        if where in rows:  # the same surface again: keep the first, add the flags
            old = rows[where]
            merged = replace(old, flags=old.flags | row.flags)
            rows[where] = merged
            keys[row.iso3, row.lang][fold_key(row.name)] = merged
            return
        same = keys[row.iso3, row.lang].get(fold_key(row.name))
        # A folded duplicate adds nothing, except a demonym that is spelled like a name
        # (French "argentine" / "Argentine", "philippines" / "Philippines").
        if same is not None and (same.kind == row.kind or "demonym" not in (same.kind, row.kind)):
            errors.append(f"{origin}: {row.iso3} {row.lang} {row.name!r} folds to the same key as "
                          f"{same.name!r}; the matcher ignores case/accents, drop one")
            return
        rows[where] = row
        keys[row.iso3, row.lang].setdefault(fold_key(row.name), row)

    display = cldr_names(codes)
    shown = {(r.iso3, r.lang): r.name for r in display}
    for row in display:
        add(row, origin="CLDR")
    for number, iso3, lang, kind, flags, names in read_extras(extras):
        origin = f"{extras.name}:{number}"
        if iso3 not in iso3s:
            errors.append(f"{origin}: {iso3} is not one of the gazetteer's states")
            continue
        if kind == "name":
            for name in names:
                target = rows.get((iso3, lang, shown.get((iso3, lang), "")))
                if target is None or fold_key(target.name) != fold_key(name):
                    errors.append(f"{origin}: {name!r} is not the CLDR {lang} name of {iso3}")
                    continue
                rows[iso3, lang, target.name] = replace(target, flags=target.flags | flags)
            continue
        out_kind = {"acronym": "alias", "prefix": "demonym"}.get(kind, kind)
        out_flags = flags | ({"acronym"} if kind == "acronym" else set())
        for name in dict.fromkeys(names):
            add(Row(iso3, lang, name, out_kind, "manual", frozenset(out_flags)), origin=origin)
    for row in cldr_variants(codes):
        if fold_key(row.name) not in keys[row.iso3, row.lang]:
            add(row, origin="CLDR regional")
    for row in list(rows.values()):
        if row.lang == "fr" and row.kind == "demonym":
            cap = capitalised(row.name)
            if cap != row.name and (row.iso3, "fr", cap) not in rows:
                noun = replace(row, name=cap, flags=row.flags | {"case_sensitive"})
                rows[row.iso3, "fr", cap] = noun
    if errors:
        raise DataError("\n".join(errors))
    out = sorted((_with_case(r) for r in rows.values()),
                 key=lambda r: (r.iso3, r.lang, r.kind, r.name))
    check(out, codes)
    return out


def _with_case(row: Row) -> Row:
    """Derive `case_sensitive`: EN rows, FR names/aliases and acronyms count only as written."""
    sensitive = ("acronym" in row.flags or row.lang == "en"
                 or (row.lang == "fr" and row.kind != "demonym"))
    return replace(row, flags=row.flags | {"case_sensitive"}) if sensitive else row


def check(rows: Sequence[Row], codes: dict[str, str]) -> None:
    """Raise DataError listing every broken rule of the countries table."""
    errors: list[str] = []
    iso3s = sorted(codes.values())
    by_pair: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        by_pair[r.iso3, r.lang].append(r)
        if r.kind not in KINDS or r.source not in SOURCES or r.lang not in LANGS:
            errors.append(f"bad kind/source/lang: {r.cells()}")
        if set(r.flags) - set(FLAGS):
            errors.append(f"unknown flag: {r.cells()}")
        if r.name != _clean(r.name) or "\t" in r.name or not r.name:
            errors.append(f"untidy name: {r.cells()}")
        if r.iso3 not in codes.values():
            errors.append(f"not a gazetteer state: {r.cells()}")
    for iso3 in iso3s:
        for lang in LANGS:
            pair = by_pair.get((iso3, lang), [])
            names = [r for r in pair if r.kind == "name"]
            if len(names) != 1:
                errors.append(f"{iso3} {lang}: {len(names)} rows of kind name, need exactly 1")
            if (iso3, lang) not in NO_DEMONYM and not any(r.kind == "demonym" for r in pair):
                errors.append(f"{iso3} {lang}: no demonym")
    errors += _arabic_article_pairs(rows)
    errors += _shared_surfaces(rows)
    if errors:
        raise DataError("\n".join(errors))


def _arabic_article_pairs(rows: Iterable[Row]) -> list[str]:
    """Every one-word Arabic demonym is listed with and without the article."""
    demonyms: dict[str, set[str]] = defaultdict(set)
    surfaces: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.lang == "ar":
            surfaces[r.iso3].add(r.name)
            if r.kind == "demonym" and " " not in r.name:
                demonyms[r.iso3].add(r.name)
    errors = []
    for iso3, names in sorted(demonyms.items()):
        for name in sorted(names):
            partner = name[2:] if name.startswith("ال") else "ال" + name
            if partner not in surfaces[iso3]:
                errors.append(f"{iso3} ar demonym {name!r} lacks {partner!r}")
    return errors


def _shared_surfaces(rows: Iterable[Row]) -> list[str]:
    """A folded surface naming two states must be flagged ambiguous on every row."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[fold_key(r.name)].append(r)
    errors = []
    for key, group in sorted(groups.items()):
        if len({r.iso3 for r in group}) > 1 and not all("ambiguous" in r.flags for r in group):
            errors.append(f"{key!r} names {sorted({r.iso3 for r in group})} without the "
                          f"ambiguous flag on every row")
    return errors


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a ctkit data TSV (comment lines start with '#')."""
    lines = [ln for ln in path.read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def check_companions(rows: Sequence[Row], codes: dict[str, str], *,
                     regions: Path = REGIONS, capitals: Path = CAPITALS) -> None:
    """Regions must not be country names; every state needs a capital in each language."""
    errors: list[str] = []
    country_keys = {fold_key(r.name): r for r in rows}
    seen: set[tuple[str, str]] = set()
    for r in read_table(regions):
        if r["lang"] not in LANGS or not r["name"] or not r["kind"]:
            errors.append(f"regions.tsv: bad row {r}")
        key = fold_key(r["name"])
        if key in country_keys:
            errors.append(f"regions.tsv: {r['name']!r} is also a country name "
                          f"({country_keys[key].iso3}); it would block that country")
        if (r["lang"], key) in seen:
            errors.append(f"regions.tsv: {r['name']!r} listed twice")
        seen.add((r["lang"], key))
    have: dict[str, set[str]] = defaultdict(set)
    listed: set[tuple[str, str, str]] = set()
    for r in read_table(capitals):
        if r["iso3"] not in codes.values() or r["lang"] not in LANGS or not r["name"]:
            errors.append(f"capitals.tsv: bad row {r}")
        if r["kind"] == "capital":
            have[r["iso3"]].add(r["lang"])
        if (r["iso3"], r["lang"], r["name"]) in listed:
            errors.append(f"capitals.tsv: {r['name']!r} listed twice for {r['iso3']}")
        listed.add((r["iso3"], r["lang"], r["name"]))
    for iso3 in sorted(codes.values()):
        missing = set(LANGS) - have[iso3]
        if missing:
            errors.append(f"capitals.tsv: {iso3} has no capital in {sorted(missing)}")
    if errors:
        raise DataError("\n".join(errors))


def render(rows: Sequence[Row]) -> str:
    """The TSV text: comment header naming sources and licences, header row, sorted rows."""
    import babel
    from babel.core import get_global

    cldr = (get_global("cldr") or {}).get("version", "?")
    head = [
        "# ctkit country gazetteer: every sovereign state (193 UN members, VAT, PSE, XKX, TWN)",
        "# and Western Sahara (ESH), names in en/fr/ar. Built by scripts/build_countries.py;",
        "# edit scripts/country_extras.tsv and rebuild, never this file.",
        f"# source cldr: CLDR {cldr} territory names via babel {babel.__version__}"
        " (Unicode License v3).",
        "# ISO 3166-1 alpha-3 codes via pycountry (facts only); XKX is user-assigned (Kosovo).",
        "# source manual: hand-written for ctkit (MIT). Columns and flags: ctkit/data/README.md.",
    ]
    body = ["\t".join(COLUMNS)] + ["\t".join(r.cells()) for r in rows]
    return "\n".join(head + body) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild (default), write elsewhere (--out) or compare (--check)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the TSV")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when the file at --out differs")
    args = parser.parse_args(argv)
    try:
        codes = states()
        rows = build(codes)
        check_companions(rows, codes)
    except DataError as exc:
        print(f"build_countries: the data break a rule:\n{exc}", file=sys.stderr)
        return 2
    text = render(rows)
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run python scripts/build_countries.py",
                  file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, "utf-8")
    print(f"wrote {len(rows)} rows for {len(codes)} states to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
