"""The synthetic corpus: deterministic, varied like scraped pages, truth consistent with text."""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from importlib import resources

import pytest

from ctkit.sample import MARKER_FILE, TRUTH_FILE, generate, write_sample

ARABIC = re.compile(r"[\u0600-\u06FF]")
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(scope="module")
def pages():
    return list(generate(n=300, seed=0))


@pytest.fixture(scope="module")
def truths(pages):
    return [p.truth for p in pages]


def test_same_seed_gives_identical_pages():
    a, b = list(generate(n=25, seed=7)), list(generate(n=25, seed=7))
    assert a == b
    assert [p.text for p in generate(n=25, seed=8)] != [p.text for p in a]


def test_page_i_does_not_depend_on_n_or_start():
    whole = list(generate(n=40, seed=3))
    assert list(generate(n=5, seed=3, start=30)) == whole[30:35]
    assert list(generate(n=1, seed=3, start=39)) == whole[39:]


def test_file_names_carry_index_and_hash(truths):
    assert truths[17]["source"].startswith("017_")
    assert all(re.fullmatch(r"\d{3,}_[0-9a-f]{8}\.txt", t["source"]) for t in truths)
    assert len({t["source"] for t in truths}) == len(truths)


def test_at_least_eight_outlets(truths):
    assert len({t["outlet"] for t in truths}) >= 8


def test_three_body_languages_in_rough_shares(truths):
    shares = Counter(t["language"] for t in truths)
    assert 0.35 <= shares["fr"] / len(truths) <= 0.55
    assert 0.25 <= shares["en"] / len(truths) <= 0.45
    assert 0.12 <= shares["ar"] / len(truths) <= 0.28


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_arabic_chrome_around_latin_bodies(truths, lang):
    hits = [t for t in truths if t["language"] == lang
            and any(ARABIC.search(line) for line in t["chrome"])]
    assert len(hits) >= 5
    assert all(not ARABIC.search(t["body"]) for t in hits)


def test_thirty_partner_countries_with_a_skew(truths):
    counts = Counter(iso for t in truths for iso in t["countries"] if iso != "MAR")
    assert len(counts) >= 30
    top = [iso for iso, _ in counts.most_common(5)]
    assert {"ESP", "FRA", "USA"} <= set(top)
    assert counts.most_common(1)[0][1] >= 5 * sorted(counts.values())[len(counts) // 2]


def test_dates_within_2019_2025_with_a_few_missing(truths):
    days = [t["published"] for t in truths]
    known = [date.fromisoformat(d) for d in days if d]
    assert all(date(2019, 1, 1) <= d <= date(2025, 12, 31) for d in known)
    assert 0 < days.count(None) < 0.08 * len(days)
    assert {d.year for d in known} == set(range(2019, 2026))


def test_dates_in_many_outlet_formats(truths):
    chrome = "\n".join(line for t in truths for line in t["chrome"])
    assert re.search(r"sahelwatch[\d٠-٩]+ \S+ [\d٠-٩]{4}آخر تحديث :", chrome)
    assert re.search(r"[٠-٩]{4}", chrome)  # Arabic-Indic digits
    assert re.search(r"جانفي|فيفري|أفريل|جوان|جويلية|أوت", chrome)  # Maghreb month names
    assert re.search(r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août)", chrome)
    assert re.search(r"(January|February|March|April|May|June|July|August) \d{1,2}, \d{4}",
                     chrome)


def test_bodies_are_150_to_600_words(truths):
    assert all(150 <= len(t["body"].split()) <= 600 for t in truths)


def test_duplicates_reference_earlier_pages_and_share_their_body(truths):
    by_name = {t["source"]: t for t in truths}
    dups = [t for t in truths if t["duplicate_of"]]
    assert 0.02 * len(truths) <= len(dups) <= 0.09 * len(truths)
    for t in dups:
        original = by_name[t["duplicate_of"]]
        assert original["source"] < t["source"] and original["duplicate_of"] is None
        assert t["outlet"] != original["outlet"] and t["language"] == original["language"]
        lines, first = t["body"].split("\n"), set(original["body"].split("\n")[1:])
        assert sum(line in first for line in lines[1:]) >= 0.5 * (len(lines) - 1)


def test_truth_is_consistent_with_the_page_text(pages):
    for page in pages:
        t, lines = page.truth, page.text.splitlines()
        page_lines = set(lines)
        body_lines = t["body"].split("\n")
        assert t["title"] and t["title"] in page.text
        assert all(line in page_lines for line in body_lines), page.name
        assert all(line in page_lines for line in t["chrome"]), page.name
        assert not set(t["chrome"]) & set(body_lines), page.name
        assert not [c for c in t["chrome"] if len(c) > 30 and c in t["body"]], page.name
        blank_or_known = set(t["chrome"]) | set(body_lines)
        leftovers = {x for x in lines if x.strip() and x not in blank_or_known}
        assert leftovers <= {t["title"], f"*{t['title']}*"}, (page.name, leftovers)
        for span in t["mentions"] + t["orgs"]:
            assert t["body"][span["start"]:span["end"]] == span["surface"], page.name
        assert all(name in t["body"] for name in t["persons"])
        assert len(set(t["persons"])) == len(t["persons"])
        assert len({o["surface"] for o in t["orgs"]}) == len(t["orgs"])
        assert t["countries"] == sorted({m["iso3"] for m in t["mentions"]})
        assert all(e["sentence"] in t["body"] for e in t["events"])


def test_page_text_round_trips_through_its_encoding(pages):
    encodings = Counter(p.encoding for p in pages)
    assert encodings["utf-8"] > 0.9 * len(pages) and len(encodings) >= 2
    assert all(p.text.encode(p.encoding).decode(p.encoding) == p.text for p in pages)
    assert any("\r\n" in p.text for p in pages)


def test_engagement_on_some_pages_and_printed_on_them(truths):
    with_counters = [t for t in truths if t["engagement"]]
    assert 0.25 <= len(with_counters) / len(truths) <= 0.55
    for t in with_counters:
        chrome = "\n".join(t["chrome"])
        for metric, value in t["engagement"].items():
            if metric == "reactions" and " " in chrome:
                continue  # a row of reaction buttons; the metric is their sum
            forms = {str(value), f"{value:,}", str(value).translate(INDIC),
                     f"{value / 1000:.1f}K".replace(".0K", "K")}
            assert any(f in chrome for f in forms), (t["source"], metric, value)


def test_teasers_name_countries_that_are_not_in_the_truth(truths):
    vocab = json.loads(resources.files("ctkit").joinpath("data/sample_vocab.json").read_text())
    iso_of = {n.removeprefix("the "): iso for iso, c in vocab["countries"].items()
              for lang in ("en", "ar") for n in c[lang]["n"] if len(n) > 4}
    names = re.compile("|".join(sorted(map(re.escape, iso_of), key=len, reverse=True)))
    outside = [t for t in truths if {iso_of[m] for m in names.findall("\n".join(t["chrome"]))}
               - set(t["countries"])]
    assert len(outside) >= 0.2 * len(truths)


def test_mention_forms_cover_demonyms_elisions_and_clitics(truths):
    mentions = [(t, m) for t in truths for m in t["mentions"]]
    assert {"name", "demonym", "official"} <= {m["kind"] for _, m in mentions}
    fr = [t["body"][max(0, m["start"] - 4):m["start"]] for t, m in mentions
          if t["language"] == "fr"]
    assert any(x.endswith("l'") for x in fr) and any(x.endswith("d'") for x in fr)
    assert any(x.endswith("aux ") for x in fr)
    ar = {m["surface"] for t, m in mentions if t["language"] == "ar"}
    assert {"والمغرب", "المغربية"} <= ar or any(s.startswith(("وال", "لل", "بال")) for s in ar)
    assert any(m["surface"] == "Norwegian" or m["surface"].endswith(("espagnols", "belges"))
               for _, m in mentions)


def test_traps_are_in_bodies_but_not_in_the_truth(truths):
    bodies = [t for t in truths if t["language"] != "ar"]
    assert any("Sahel" in t["body"] or "Maghreb" in t["body"] for t in bodies)
    assert any("المغرب العربي" in t["body"] for t in truths)
    for t in truths:
        persons = [(m.start(), m.end()) for name in t["persons"]
                   for m in re.finditer(re.escape(name), t["body"])]
        assert not [m for m in t["mentions"]
                    if any(a <= m["start"] < b for a, b in persons)], t["source"]
    named_chad = [t for t in truths if re.search(r"\bChad [A-Z]", t["body"])]
    assert named_chad and all(
        not any(m["surface"] == "Chad" and t["body"][m["end"]:m["end"] + 1] == " "
                and t["body"][m["end"] + 1:m["end"] + 2].isupper() for m in t["mentions"])
        for t in named_chad)


def test_outlet_is_named_in_the_body_script_and_on_the_page(truths):
    assert all(t["outlet"].casefold() in "\n".join(t["chrome"]).casefold() for t in truths)
    arabic_named = [t for t in truths if ARABIC.search(t["outlet"])]
    assert arabic_named and all(t["language"] == "ar" for t in arabic_named)


def test_orgs_split_acronyms_and_include_owned_services(truths):
    orgs = [(t, o) for t in truths for o in t["orgs"]]
    surfaces = {o["surface"] for _, o in orgs}
    assert {"DGST", "General Directorate for Territorial Surveillance"} <= surfaces
    assert not [s for s in surfaces if s.startswith(("the ", "la ", "le ", "l'"))]
    assert any(o["iso3"] is None for _, o in orgs)  # Interpol, Europol, UNOCT...
    owned = [o for t, o in orgs if o["name"] == o["surface"] and o["iso3"]]
    assert any("police" in o["surface"] or "الشرطة" in o["surface"] for o in owned)


def test_the_kingdom_is_morocco(truths):
    anaphors = {m["surface"] for t in truths for m in t["mentions"] if m["kind"] == "anaphor"}
    assert anaphors == {"kingdom", "Royaume", "المملكة"}


def test_events_have_types_codes_and_their_countries(truths):
    codes = {"meeting": "040", "visit": "042", "conference": "044", "agreement": "057",
             "training": "062", "joint_operation": "062", "information_exchange": "064",
             "judicial": "063", "aid": "070", "statement": "010"}
    events = [(t, e) for t in truths for e in t["events"]]
    assert {e["type"] for _, e in events} == set(codes)
    for t, e in events:
        assert e["code"] == codes[e["type"]]
        assert set(e["countries"]) <= set(t["countries"])
        assert e["countries"] or e["org_countries"]


def test_write_sample_writes_pages_and_truth(tmp_path):
    out = write_sample(tmp_path / "raw" / "sample", n=12, seed=5)
    files = sorted(p.name for p in out.glob("*.txt"))
    truth = [json.loads(line) for line in (out / TRUTH_FILE).read_text("utf-8").splitlines()]
    expected = list(generate(n=12, seed=5))
    assert files == sorted(p.name for p in expected)
    assert [t["source"] for t in truth] == [p.name for p in expected]
    for page in expected:
        assert (out / page.name).read_bytes().decode(page.encoding) == page.text
    assert write_sample(out, n=3, seed=5) == out  # a sample directory may be replaced
    assert len(list(out.glob("*.txt"))) == 3 and (out / MARKER_FILE).is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["sample"]  # no temp leftovers


def test_write_sample_refuses_to_clobber_a_foreign_directory(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        write_sample(foreign, n=2)
    assert (foreign / "notes.txt").read_text() == "keep me"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(FileExistsError):
        write_sample(tmp_path / "afile", n=2)
