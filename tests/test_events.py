from ctkit.countries import find_countries
from ctkit.entities import find_orgs
from ctkit.events import find_events
from ctkit.text import sentences


def events(text, language):
    c = find_countries(text)
    return [(e.type, e.code, e.iso3) for e in find_events(
        text, sentences=sentences(text), countries=c, orgs=find_orgs(text, countries=c),
        language=language)]


def test_one_event_per_sentence_with_the_countries_it_names():
    text = ("Morocco and Spain signed a memorandum of understanding on Tuesday. "
            "The weather was fine. French and Moroccan police dismantled a cell in a joint "
            "operation.")
    assert events(text, "en") == [("agreement", "057", ("MAR", "ESP")),
                                  ("joint_operation", "062", ("FRA", "MAR"))]


def test_french_and_arabic_triggers():
    assert events("Le Maroc et la Belgique ont signé un accord de coopération.", "fr")[0][:2] == (
        "agreement", "057")
    assert events("وقع المغرب وإسبانيا مذكرة تفاهم للتعاون الأمني.", "ar")[0][:2] == (
        "agreement", "057")


def test_triggers_only_in_the_article_language_and_need_a_party():
    assert events("Il met le dossier sur la table avec le Maroc.", "fr") == []
    assert events("The delegations signed the final document.", "en") == []
