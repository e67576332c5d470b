from ctkit.gazetteer import build, share_pass


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


def test_a_shared_pass_finds_what_each_gazetteer_finds_alone():
    rows = [
        [("Morocco", "MAR", "capital"), ("US", "USA", "exact"), ("المغرب", "MAR", "any")],
        [("Morocco", "org-key", "any"), ("Moroccan police", "DGSN", "any"), ("us", "x", "any")],
        [],  # an empty member neither breaks the pass nor gets hits
        [("police", "cue", "any"), ("Guinea", "GIN", "capital")],
    ]
    text = ("morocco and the US asked us; the Moroccan police and Morocco's police met "
            "in Guinea; والمغرب")
    alone = [[(h.start, h.end, h.entries) for h in build(r).find(text)] for r in rows]
    shared = [build(r) for r in rows]
    share_pass(*shared)
    assert [[(h.start, h.end, h.entries) for h in g.find(text)] for g in shared] == alone
    assert all(alone[i] for i in (0, 1, 3))
    # the pass keeps the last text's hits: a second, different text is scanned afresh
    assert [h.surface for h in shared[3].find("Guinea police")] == ["Guinea", "police"]
    assert [h.surface for h in shared[0].find(text)][:2] == ["US", "Morocco"]
