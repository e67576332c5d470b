from ctkit.countries import find_countries
from ctkit.entities import find_orgs, find_persons, ner_status


def orgs(text):
    return [(o.surface, o.iso3, o.source) for o in find_orgs(text, countries=find_countries(text))]


def test_gazetteer_names_and_acronyms_carry_their_country():
    got = orgs("The DGST and the Guardia Civil briefed Europol.")
    assert ("DGST", "MAR", "gazetteer") in got and ("Europol", None, "gazetteer") in got
    assert any(s == "Guardia Civil" and iso == "ESP" for s, iso, _ in got)


def test_acronyms_must_be_written_in_capitals():
    assert orgs("the dgst said") == []


def test_agency_named_by_demonym_and_head_in_three_languages():
    assert orgs("Officers of the Ethiopian Federal Police met.")[0][:2] == (
        "Ethiopian Federal Police", "ETH")
    assert ("police belge", "BEL", "pattern") in orgs("selon la police belge, hier")
    assert ("الشرطة الإسبانية", "ESP", "pattern") in orgs("أعلنت الشرطة الإسبانية")
    assert ("Ministry of Interior of Mali", "MLI", "pattern") in orgs(
        "the Ministry of Interior of Mali said")


def test_lower_case_police_in_english_prose_is_not_a_named_body():
    assert orgs("the police said") == []


def test_persons_without_a_model_come_from_title_cues_and_appositions():
    text = ("Director-General Abdellatif Hammouchi met Minister Nasser Bourita. "
            "Youssef Amrani, the Moroccan ambassador, said Karim Benali agreed.")
    got = [p.surface for p in find_persons(text, language="en", use_ner="no",
                                           countries=find_countries(text))]
    assert got == ["Abdellatif Hammouchi", "Nasser Bourita", "Youssef Amrani", "Karim Benali"]
    ar = find_persons("وقال السيد عبد اللطيف حموشي، المدير العام", language="ar", use_ner="no")
    assert [p.surface for p in ar] == ["عبد اللطيف حموشي"]


def test_missing_model_is_a_clear_error_only_when_asked_for():
    models = {"en": "no_such_spacy_model_pkg"}
    assert find_persons("Minister John Smith", language="en", use_ner="auto", models=models)
    assert ner_status(models) == {"en": False}
    import pytest

    with pytest.raises(RuntimeError, match="ner"):
        find_persons("Minister John Smith", language="en", use_ner="yes", models=models)


def test_appositions_find_what_the_one_regex_finds():
    """`_appositions` is the alternation `_SAID|_APPOSED` run by finditer, only faster."""
    import random
    import re

    from ctkit import entities as E

    said = E._SAID.pattern.replace(r"(?<!\w.)", "")  # the boundary, checked as `\b` below
    whole = re.compile(rf"\b{said}|{E._APPOSED.pattern}")
    tokens = ["said", "says", "Asaid", "told", "according to", "selon", "a déclaré", "del",
              "de", "el", "Ruiz", "Sol", "A.", "McDonald", "Smith", ",", ", the minister",
              ", le ministre", ", minister", ", chief", "  ", "\n", "x", "ould", "O'Neil",
              "the", "head", "Bourita", "l'"]
    rng = random.Random(7)
    texts = ["Nasser Bourita, the minister, said Ahmed Toufiq, minister of Islamic affairs."]
    for _ in range(20_000):
        texts.append("".join(rng.choice(tokens) + rng.choice([" ", "", ", "])
                             for _ in range(rng.randint(1, 14))))

    def spans(ms):
        return [(m.span(), m.groupdict().get("a"), m.groupdict().get("b")) for m in ms]

    for t in texts:
        assert spans(E._appositions(t)) == spans(whole.finditer(t)), t
