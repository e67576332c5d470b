from ctkit.gazetteer import build


def test_arabic_clitics_and_boundaries():
    gaz = build([("المغرب", "MAR", "any"), ("الجزائر", "DZA", "any"), ("Niger", "NER", "capital"),
                 ("Nigeria", "NGA", "capital")])
    hits = gaz.find("والمغرب بالمغرب للجزائر المغربي Nigeria Niger")
    assert [(h.surface, h.entry.payload) for h in hits] == [
        ("المغرب", "MAR"), ("المغرب", "MAR"), ("للجزائر", "DZA"), ("Nigeria", "NGA"),
        ("Niger", "NER")]


def test_capital_and_exact_case_rules():
    gaz = build([("Turkey", "TUR", "capital"), ("US", "USA", "exact")])
    assert [h.surface for h in gaz.find("turkey for dinner; Turkey and the US; tell us")] == [
        "Turkey", "US"]


def test_longest_match_wins():
    gaz = build([("Guinea", "GIN", "capital"), ("Guinea-Bissau", "GNB", "capital"),
                 ("Gulf of Guinea", "block", "any")])
    assert [h.entry.payload for h in gaz.find("Guinea-Bissau, the Gulf of Guinea, Guinea")] == [
        "GNB", "block", "GIN"]
