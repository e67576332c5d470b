"""ctkit.analysis on tiny inline tables whose expected numbers are worked out by hand below."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctkit import analysis as A
from ctkit import schema
from ctkit.corpus import Corpus

NAMES = {"MAR": "Morocco", "ESP": "Spain", "FRA": "France", "USA": "United States",
         "SEN": "Senegal"}

# Five articles. a3 is a syndicated copy of a2; a4 is undated; a5 does not name Morocco.
ARTICLES = schema.conform("articles", [
    dict(article_id="a1", outlet="X", title="T1", published="2023-01-02 00:00", language="en"),
    dict(article_id="a2", outlet="X", title="T2", published="2023-01-10 15:00", language="fr"),
    dict(article_id="a3", outlet="Y", title="T3", published="2023-01-11 00:00", language="en",
         duplicate_of="a2"),
    dict(article_id="a4", outlet="Y", title="T4", published=None, language="ar"),
    dict(article_id="a5", outlet="Y", title="T5", published="2023-02-20 00:00", language="en"),
])


def _mention(article: str, iso3: str) -> dict:
    return dict(article_id=article, iso3=iso3, country=NAMES[iso3],
                role="focal" if iso3 == "MAR" else "partner")


# a1: MAR ESP ESP FRA | a2: MAR ESP | a3: MAR ESP | a4: MAR USA | a5: ESP FRA (no MAR)
COUNTRIES = schema.conform("countries", [
    _mention(a, c) for a, cs in [("a1", "MAR ESP ESP FRA"), ("a2", "MAR ESP"), ("a3", "MAR ESP"),
                                 ("a4", "MAR USA"), ("a5", "ESP FRA")] for c in cs.split()])

# e1 (a2) and e2 (a3, the copy) report one meeting with Spain; e3 an agreement with Spain and
# France; e4 an undated visit with the USA; e5 in a5, an article that does not name Morocco.
EVENTS = schema.conform("events", [
    dict(event_id=e, article_id=a, type=t, iso3=c) for e, a, t, cs in [
        ("e1", "a2", "meeting", "MAR ESP"), ("e2", "a3", "meeting", "ESP"),
        ("e3", "a1", "agreement", "ESP FRA"), ("e4", "a4", "visit", "USA"),
        ("e5", "a5", "training", "ESP")] for c in cs.split()])

ENGAGEMENT = schema.conform("engagement", [
    dict(article_id="a1", metric="comments", value=4),
    dict(article_id="a1", metric="comments", value=2),   # same counter printed twice
    dict(article_id="a2", metric="views", value=100),
    dict(article_id="a4", metric="views", value=7),       # undated: left out
    dict(article_id="a5", metric="comments", value=0),    # a real zero, not a missing counter
])


def _corpus() -> Corpus:
    return Corpus(articles=ARTICLES.copy(), countries=COUNTRIES.copy(), events=EVENTS.copy(),
                  engagement=ENGAGEMENT.copy())


def _rows(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in df[cols].itertuples(index=False)]


# -- filters -------------------------------------------------------------------------------------
def test_dates_are_inclusive_and_end_keeps_its_whole_day():
    out = A.filter_articles(ARTICLES, start="2023-01-02", end="2023-01-10")
    assert out["article_id"].tolist() == ["a1", "a2"]  # a2 at 15:00 on the end day; a4 undated


def test_outlet_and_language_filters_combine():
    out = A.filter_articles(ARTICLES, outlets=["Y"], languages="en")
    assert out["article_id"].tolist() == ["a3", "a5"]


@pytest.mark.parametrize("kwargs, words", [
    (dict(start="31/01/2023"), "start must be a date"),
    (dict(start="2023-02-01", end="2023-01-01"), "after end"),
    (dict(outlets=[]), "outlets is empty"),
    (dict(languages=["FR"]), "ISO 639-1"),
    (dict(roles=["host"]), "roles must be among"),
])
def test_bad_filter_values_raise_a_clear_value_error(kwargs, words):
    with pytest.raises(ValueError, match=words):
        A.filter_corpus(_corpus(), **kwargs)


def test_an_outlet_absent_from_the_data_warns():
    with pytest.warns(UserWarning, match="Hespres"):
        out = A.filter_articles(ARTICLES, outlets=["Hespres"])
    assert out.empty


def test_filter_corpus_keeps_tables_consistent_and_inputs_untouched():
    corpus = _corpus()
    before = {k: v.copy() for k, v in corpus.tables().items()}
    out = A.filter_corpus(corpus, end="2023-01-10", roles=["partner"]).validate()
    assert out.articles["article_id"].tolist() == ["a1", "a2"]
    for name in ("countries", "events", "engagement"):
        assert set(getattr(out, name)["article_id"]) <= {"a1", "a2"}
    assert set(out.countries["role"]) == {"partner"}
    assert sorted(out.events["event_id"].unique()) == ["e1", "e3"]
    for name, df in corpus.tables().items():
        pd.testing.assert_frame_equal(df, before[name])


def test_match_articles_drops_articles_without_a_matching_row():
    out = A.filter_corpus(_corpus(), event_types=["agreement"], match_articles=True)
    assert out.articles["article_id"].tolist() == ["a1"]
    assert set(out.countries["article_id"]) == {"a1"}


def test_filter_table_looks_article_filters_up_in_articles():
    out = A.filter_table(COUNTRIES, articles=ARTICLES, outlets="Y", roles="partner")
    assert _rows(out, ["article_id", "iso3"]) == [("a3", "ESP"), ("a4", "USA"), ("a5", "ESP"),
                                                  ("a5", "FRA")]
    with pytest.raises(ValueError, match="need `articles=`"):
        A.filter_table(COUNTRIES, outlets="Y")


# -- events --------------------------------------------------------------------------------------
def test_syndicated_copy_and_repeated_reports_are_one_event():
    out = A.collapse_events(EVENTS, ARTICLES, focal="MAR")
    assert _rows(out, ["type", "iso3", "event_date", "reports"]) == [
        ("agreement", "ESP", pd.Timestamp("2023-01-02"), 1),
        ("agreement", "FRA", pd.Timestamp("2023-01-02"), 1),
        # a2 (10 Jan) and its copy a3 (11 Jan): one meeting dated at the earlier copy
        ("meeting", "ESP", pd.Timestamp("2023-01-10 15:00"), 2),
        ("training", "ESP", pd.Timestamp("2023-02-20"), 1),
        ("visit", "USA", None, 1),
    ]


def test_event_window_is_anchored_on_the_first_report():
    # meetings with Spain reported on days 0, 6 and 12: 6 is within 7 days of 0, 12 is not
    arts = schema.conform("articles", [dict(article_id=f"b{i}", published=f"2023-03-{1 + d:02d}")
                                       for i, d in enumerate([0, 6, 12])])
    evs = schema.conform("events", [dict(event_id=f"e{i}", article_id=f"b{i}", type="meeting",
                                         iso3="ESP") for i in range(3)])
    out = A.collapse_events(evs, arts, focal="MAR", window_days=7)
    assert _rows(out, ["event_date", "reports"]) == [(pd.Timestamp("2023-03-01"), 2),
                                                     (pd.Timestamp("2023-03-13"), 1)]
    assert len(A.collapse_events(evs, arts, focal="MAR", window_days=0)) == 3


# -- partners, coverage, voice -------------------------------------------------------------------
def test_partner_counts_by_hand():
    out = A.partner_counts(COUNTRIES, ARTICLES, focal="MAR", events=EVENTS,
                           weights={"agreement": 3.0})
    # scope: a1-a4 (they name MAR); 4 of them name a partner -> share denominator 4.
    # ESP: articles a1 a2 a3, mentions 2+1+1, events agreement + meeting (a2/a3 one), weighted
    # 3 + 1; FRA: a1, agreement; USA: a4, visit. Latest ESP headline: a3 (11 Jan).
    assert _rows(out, ["iso3", "country", "articles", "mentions", "share", "events", "weighted",
                       "example_title"]) == [
        ("ESP", "Spain", 3, 4, 0.75, 2, 4.0, "T3"),
        ("FRA", "France", 1, 1, 0.25, 1, 3.0, "T1"),
        ("USA", "United States", 1, 1, 0.25, 1, 1.0, "T4"),
    ]


def test_partner_counts_per_outlet_and_month_drop_undated_articles():
    out = A.partner_counts(COUNTRIES, ARTICLES, focal="MAR", by="outlet", freq="M", events=EVENTS)
    jan = pd.Timestamp("2023-01-01")
    assert _rows(out, ["outlet", "period", "iso3", "articles", "mentions", "share", "events"]) == [
        ("X", jan, "ESP", 2, 3, 1.0, 2), ("X", jan, "FRA", 1, 1, 0.5, 1),
        ("Y", jan, "ESP", 1, 1, 1.0, 1)]
    assert out.attrs["undated"] == 1


def test_partner_counts_options():
    wide = A.partner_counts(COUNTRIES, ARTICLES, focal="MAR", require_focal=False)
    assert _rows(wide, ["iso3", "articles"]) == [("ESP", 4), ("FRA", 2), ("USA", 1)]
    assert A.partner_counts(COUNTRIES, ARTICLES, min_mentions=2)["iso3"].tolist() == ["ESP"]
    no_events = A.partner_counts(COUNTRIES, ARTICLES)
    assert no_events["events"].isna().all() and no_events["weighted"].isna().all()
    # another focal country: Spain's partners in the articles naming Spain
    esp = A.partner_counts(COUNTRIES, ARTICLES, focal="ESP")
    assert _rows(esp, ["iso3", "articles"]) == [("MAR", 3), ("FRA", 2)]


def test_coverage_three_normalisations():
    # (outlet, partner) articles: X-ESP 2 (a1 a2), X-FRA 1, Y-ESP 1 (a3), Y-USA 1 (a4)
    none = A.coverage(COUNTRIES, ARTICLES, focal="MAR")
    assert _rows(none, ["outlet", "iso3", "articles", "total", "share"]) == [
        ("X", "ESP", 2, 5, 0.4), ("X", "FRA", 1, 5, 0.2), ("Y", "ESP", 1, 5, 0.2),
        ("Y", "USA", 1, 5, 0.2)]
    per_outlet = A.coverage(COUNTRIES, ARTICLES, focal="MAR", normalize="outlet")
    assert per_outlet["share"].tolist() == [1.0, 0.5, 0.5, 0.5]  # X: 2 articles, Y: 2
    per_partner = A.coverage(COUNTRIES, ARTICLES, focal="MAR", normalize="partner")
    assert per_partner["share"].tolist() == pytest.approx([2 / 3, 1.0, 1 / 3, 1.0])
    with pytest.raises(ValueError, match="normalize"):
        A.coverage(COUNTRIES, ARTICLES, normalize="country")


def test_pivot_fills_missing_pairs_with_zero():
    grid = A.pivot(A.coverage(COUNTRIES, ARTICLES), values="articles")
    assert grid.index.tolist() == ["X", "Y"] and grid.columns.tolist() == ["ESP", "FRA", "USA"]
    assert grid.to_numpy().tolist() == [[2, 1, 0], [1, 0, 1]]


def test_share_of_voice_is_normalised_by_output():
    out = A.share_of_voice(COUNTRIES, ARTICLES, focal="MAR")
    # X: a1 a2 on topic of 2 published; Y: a3 a4 on topic of 3 (a5 names no MAR)
    # rates 1 and 2/3 -> normalised 1 / (5/3) = 0.6 and 0.4
    assert _rows(out, ["outlet", "articles", "output", "share"]) == [("X", 2, 2, 0.5),
                                                                    ("Y", 2, 3, 0.5)]
    assert out["rate"].tolist() == pytest.approx([1.0, 2 / 3])
    assert out["normalized_share"].tolist() == pytest.approx([0.6, 0.4])


def test_share_of_voice_per_month_lists_outlets_with_no_coverage():
    out = A.share_of_voice(COUNTRIES, ARTICLES, focal="MAR", freq="M")
    feb = out[out["period"] == pd.Timestamp("2023-02-01")]
    assert _rows(feb, ["outlet", "articles", "output", "rate"]) == [("Y", 0, 1, 0.0)]
    assert feb["share"].isna().all()  # nobody covered it: 0/0 is unknown, not 0


def test_comention_pairs():
    assert _rows(A.comention_pairs(COUNTRIES, focal="MAR"), ["iso3_a", "iso3_b", "articles"]) == [
        ("ESP", "FRA", 1)]
    loose = A.comention_pairs(COUNTRIES, focal="MAR", require_focal=False, min_articles=2)
    assert _rows(loose, ["iso3_a", "iso3_b", "articles"]) == [("ESP", "FRA", 2)]


# -- time ----------------------------------------------------------------------------------------
def _weekly(counts: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Articles naming Spain: counts[i] of them in week i (Mondays from 2 Jan 2023)."""
    rows, n = [], 0
    for week, k in enumerate(counts):
        for _ in range(k):
            rows.append(dict(article_id=f"w{n}", published=pd.Timestamp("2023-01-02")
                             + pd.Timedelta(weeks=week), outlet="X"))
            n += 1
    arts = schema.conform("articles", rows)
    cn = schema.conform("countries", [_mention(r["article_id"], "ESP") for r in rows])
    return cn, arts


def test_timeline_fills_silent_periods_and_flags_a_spike():
    cn, arts = _weekly([1, 1, 0, 1, 1, 6])
    out = A.timeline(cn, arts, freq="W", by="iso3", window=4, threshold=2.0)
    assert out["articles"].tolist() == [1, 1, 0, 1, 1, 6]
    # week 5: previous four weeks 1 0 1 1 -> mean 0.75, sd 0.5 floored to 1 -> z = 5.25
    assert out["z"].iloc[5] == pytest.approx(5.25)
    assert out["spike"].tolist() == [False] * 5 + [True]
    assert out["z"].iloc[:2].isna().all()  # fewer than window // 2 previous weeks
    quiet = A.timeline(cn, arts, freq="W", window=4, min_count=7)
    assert not quiet["spike"].any()  # z is the same, but 6 articles are below min_count


def test_timeline_by_an_article_column_and_without_spikes():
    out = A.timeline(ARTICLES, ARTICLES, freq="M", by="outlet", spikes=None)
    assert _rows(out, ["period", "outlet", "articles"]) == [
        (pd.Timestamp("2023-01-01"), "X", 2), (pd.Timestamp("2023-01-01"), "Y", 1),
        (pd.Timestamp("2023-02-01"), "X", 0), (pd.Timestamp("2023-02-01"), "Y", 1)]
    assert not out["spike"].any()


def test_timeline_windows_around_milestones():
    cn, arts = _weekly([1, 2, 3, 4, 5])
    out = A.timeline(cn, arts, freq="W", milestones={"2023-01-18": "summit"}, around=1)
    # 18 Jan is in the week of 16 Jan (week 2): weeks 1..3 with offsets -1..1
    assert _rows(out, ["period", "articles", "milestone", "rel_period"]) == [
        (pd.Timestamp("2023-01-09"), 2, "summit", -1), (pd.Timestamp("2023-01-16"), 3, "summit", 0),
        (pd.Timestamp("2023-01-23"), 4, "summit", 1)]
    frame = pd.DataFrame({"date": ["2023-01-02", "2023-01-30"], "label": ["a", "b"]})
    both = A.timeline(cn, arts, freq="W", milestones=frame, around=0)
    assert _rows(both, ["milestone", "rel_period", "articles"]) == [("a", 0, 1), ("b", 0, 5)]


def test_engagement_over_time_is_honest_about_missing_counters():
    out = A.engagement_over_time(ENGAGEMENT, ARTICLES, freq="M")
    jan, feb = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
    # January: a1 a2 a3 dated; a1 shows comments (4, the larger copy), a2 views 100.
    # February: a5 shows 0 comments (a real zero) and no views (unknown, so NA, not 0).
    assert _rows(out, ["period", "metric", "articles", "articles_with_counters",
                       "share_with_counters", "sum", "median"]) == [
        (jan, "comments", 3, 1, 1 / 3, 4, 4.0), (jan, "views", 3, 1, 1 / 3, 100, 100.0),
        (jan, "any", 3, 2, 2 / 3, None, None),
        (feb, "comments", 1, 1, 1.0, 0, 0.0), (feb, "views", 1, 0, 0.0, None, None),
        (feb, "any", 1, 1, 1.0, None, None)]
    one = A.engagement_over_time(ENGAGEMENT, ARTICLES, freq="Q", metric="views")
    assert _rows(one, ["metric", "articles", "articles_with_counters", "sum"]) == [
        ("views", 4, 1, 100)]


def test_cooperation_over_time_by_partner_and_by_type():
    out = A.cooperation_over_time(EVENTS, ARTICLES, focal="MAR", freq="M",
                                  countries=COUNTRIES)
    jan, feb = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")
    # e5 (a5) is out: a5 does not name Morocco. ESP in Jan: agreement + one meeting (2 reports)
    assert _rows(out, ["period", "iso3", "events", "articles", "mentions"]) == [
        (jan, "ESP", 2, 3, 3), (jan, "FRA", 1, 1, 1), (feb, "ESP", 0, 0, 0), (feb, "FRA", 0, 0, 0)]
    by_type = A.cooperation_over_time(EVENTS, ARTICLES, focal="MAR", freq="M", by="type")
    jan_rows = by_type[by_type["period"] == jan]
    # without `countries` the scope is every article: the training in a5 counts (February)
    assert _rows(jan_rows, ["type", "events", "articles", "mentions"]) == [
        ("agreement", 1, 1, 2), ("meeting", 1, 2, 2), ("training", 0, 0, 0)]
    assert by_type.loc[by_type["period"] == feb, "events"].tolist() == [0, 0, 1]


# -- terms ---------------------------------------------------------------------------------------
def test_tokens_drop_stop_words_numbers_and_arabic_marks():
    assert A.tokens("Le Maroc et la France, 2023.", language="fr") == ["maroc", "france"]
    assert A.tokens("في المَغْرِب", language="ar") == ["المغرب"]
    assert A.tokens("The police of Spain", language=None) == ["police", "spain"]


def test_distinctive_terms_weighted_log_odds_by_hand():
    texts = pd.DataFrame({"group": ["A", "B"], "text": ["alpha alpha beta", "beta gamma"],
                          "language": ["en", "en"]})
    out = A.distinctive_terms(texts, prior=1.0, min_count=1)
    alpha = out[(out["group"] == "A") & (out["term"] == "alpha")].iloc[0]
    # prior 1.0: alpha_w = pooled counts (alpha 2, beta 2, gamma 1), a0 = 5; A: n=3, B: n=2
    # delta = log((2+2)/(3+5-2-2)) - log((0+2)/(2+5-0-2)) = -log(0.4); var = 1/4 + 1/2
    assert alpha["count"] == 2
    assert alpha["log_odds"] == pytest.approx(-math.log(0.4))
    assert alpha["z"] == pytest.approx(-math.log(0.4) / math.sqrt(0.75))
    assert out[out["group"] == "A"]["term"].iloc[0] == "alpha"
    assert out[out["group"] == "B"]["term"].iloc[0] == "gamma"
    with pytest.raises(ValueError, match="two groups"):
        A.distinctive_terms(texts.iloc[:1])


# -- empty input and properties ------------------------------------------------------------------
def test_empty_tables_give_empty_frames_with_the_documented_columns():
    arts, cn, ev = schema.empty("articles"), schema.empty("countries"), schema.empty("events")
    assert A.partner_counts(cn, arts).columns.tolist() == [
        "iso3", "country", "articles", "mentions", "share", "events", "weighted",
        "example_title"]
    assert A.coverage(cn, arts).empty and A.share_of_voice(cn, arts).empty
    assert A.comention_pairs(cn).columns.tolist() == ["iso3_a", "iso3_b", "articles"]
    assert A.timeline(cn, arts, freq="W").empty
    assert A.cooperation_over_time(ev, arts).empty
    assert A.engagement_over_time(schema.empty("engagement"), arts).empty
    assert A.collapse_events(ev, arts).empty


@st.composite
def corpora(draw):
    """Small random corpora: outlets, dates over ~3 months (some missing), country mentions."""
    n = draw(st.integers(1, 12))
    rows, mentions = [], []
    for i in range(n):
        day = draw(st.one_of(st.none(), st.integers(0, 90)))
        rows.append(dict(article_id=f"a{i}", outlet=draw(st.sampled_from(["X", "Y", "Z"])),
                         published=None if day is None else pd.Timestamp("2023-01-01")
                         + pd.Timedelta(days=day), title=f"t{i}"))
        for c in draw(st.lists(st.sampled_from(sorted(NAMES)), max_size=5)):
            mentions.append(_mention(f"a{i}", c))
    return schema.conform("articles", rows), schema.conform("countries", mentions)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_shares_sum_to_one_and_counts_add_up(data):
    arts, cn = data
    cov = A.coverage(cn, arts, focal="MAR")
    if len(cov):
        assert cov["share"].sum() == pytest.approx(1.0)
        per_partner = A.coverage(cn, arts, focal="MAR", normalize="partner")
        assert per_partner.groupby("iso3")["share"].sum().to_numpy() == pytest.approx(1.0)
    sov = A.share_of_voice(cn, arts, focal="MAR")
    assert sov["output"].sum() == len(arts)
    if sov["articles"].sum():
        assert sov["share"].sum() == pytest.approx(1.0)
        assert sov["normalized_share"].sum() == pytest.approx(1.0)
    pc = A.partner_counts(cn, arts, focal="MAR")
    per_outlet = A.partner_counts(cn, arts, focal="MAR", by="outlet")
    # an article has one outlet, so per-outlet counts add up to the overall ones
    assert (per_outlet.groupby("iso3")["articles"].sum().sort_index().tolist()
            == pc.set_index("iso3")["articles"].sort_index().tolist())
    assert ((pc["share"] > 0) & (pc["share"] <= 1)).all()
    if len(pc):
        assert pc["share"].sum() >= 1 - 1e-9


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.sampled_from(list(A.FREQS)))
def test_timeline_counts_every_dated_article_once(data, freq):
    arts, cn = data
    out = A.timeline(cn, arts, freq=freq, by="iso3")
    dated = cn.merge(arts[["article_id", "published"]], on="article_id")
    dated = dated[dated["published"].notna()]
    expected = dated.groupby("iso3")["article_id"].nunique()
    got = out.groupby("iso3")["articles"].sum()
    assert got.reindex(expected.index).tolist() == expected.tolist()
    if len(out):
        n_periods = out["period"].nunique()
        assert (out.groupby("iso3").size() == n_periods).all()
        assert not np.isinf(out["z"].dropna()).any()


def test_no_function_changes_its_inputs():
    tables = {"articles": ARTICLES, "countries": COUNTRIES, "events": EVENTS,
              "engagement": ENGAGEMENT}
    before = {k: v.copy() for k, v in tables.items()}
    A.partner_counts(COUNTRIES, ARTICLES, by="outlet", freq="W", events=EVENTS)
    A.coverage(COUNTRIES, ARTICLES, normalize="partner")
    A.share_of_voice(COUNTRIES, ARTICLES, freq="M")
    A.timeline(COUNTRIES, ARTICLES, freq="W", milestones={"2023-01-09": "m"})
    A.engagement_over_time(ENGAGEMENT, ARTICLES, freq="M")
    A.cooperation_over_time(EVENTS, ARTICLES, freq="M", countries=COUNTRIES)
    A.comention_pairs(COUNTRIES)
    A.filter_table(COUNTRIES, articles=ARTICLES, outlets="X")
    for name, df in tables.items():
        pd.testing.assert_frame_equal(df, before[name])


def test_headline_is_optional_and_terms_take_any_group_column():
    pc = A.partner_counts(COUNTRIES, ARTICLES.drop(columns=["title"]))
    assert pc["example_title"].isna().all() and pc["iso3"].tolist() == ["ESP", "FRA", "USA"]
    arts = pd.DataFrame({"outlet": ["X", "Y"], "text": ["alpha alpha", "beta beta"]})
    out = A.distinctive_terms(arts, group="outlet", top=1)
    assert _rows(out, ["group", "term", "count"]) == [("X", "alpha", 2), ("Y", "beta", 2)]


@st.composite
def reports(draw):
    """Random reports of cooperation events: article dates, copies, types and partner sets."""
    n = draw(st.integers(1, 10))
    arts, evs = [], []
    for i in range(n):
        day = draw(st.one_of(st.none(), st.integers(0, 30)))
        copy = draw(st.one_of(st.none(), st.integers(0, n - 1)))
        arts.append(dict(article_id=f"a{i}", duplicate_of=None if copy in (None, i) else f"a{copy}",
                         published=None if day is None else pd.Timestamp("2023-01-01")
                         + pd.Timedelta(days=day)))
        for j in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["meeting", "visit"]))
            for c in draw(st.sets(st.sampled_from(["MAR", "ESP", "FRA"]), min_size=1)):
                evs.append(dict(event_id=f"e{i}.{j}", article_id=f"a{i}", type=kind, iso3=c))
    return schema.conform("articles", arts), schema.conform("events", evs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), st.randoms(use_true_random=False))
def test_event_collapsing_ignores_row_order_and_never_adds_events(data, rnd):
    arts, evs = data
    out = A.collapse_events(evs, arts, focal="MAR")
    order = list(range(len(evs)))
    rnd.shuffle(order)
    shuffled = A.collapse_events(evs.iloc[order].reset_index(drop=True), arts, focal="MAR")
    pd.testing.assert_frame_equal(out, shuffled)
    partner_events = evs[evs["iso3"] != "MAR"]
    assert out["event_key"].nunique() <= partner_events["event_id"].nunique()
    assert out["reports"].sum() >= out["event_key"].nunique()


def test_unknown_outlets_form_their_own_group():
    arts = schema.conform("articles", [
        dict(article_id=f"a{i}", outlet=None if i % 2 else "X",
             published=pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=i // 2)) for i in range(6)])
    out = A.timeline(arts, arts, freq="W", by="outlet", window=2)
    assert out["outlet"].isna().sum() == 3 and out["articles"].tolist() == [1] * 6
    sov = A.share_of_voice(schema.empty("countries"), arts)
    assert sov["output"].tolist() == [3, 3] and sov["outlet"].isna().sum() == 1


def test_fast_token_counts_equal_spacy_per_text():
    """`distinctive_terms` counts whitespace chunks and tokenizes each distinct chunk once;
    the counts must be those of `tokens` run on every text."""
    from collections import Counter

    texts = ["L'armée française et la police marocaine, à Rabat.",
             "U.S. officials don't train Morocco's DGST (2023) -- counter-terrorism!",
             "والمغرب وإسبانيا توقعان اتفاقا أمنيا", "Police  police\nPOLICE.", ""]
    groups, langs = ["a", "b", "a", "b", "a"], ["fr", "en", "ar", "en", None]
    want: dict[str, Counter[str]] = {}
    for g, t, lang in zip(groups, texts, langs, strict=True):
        want.setdefault(g, Counter()).update(A.tokens(t, language=lang))
    got = A._group_tokens(groups, texts, langs)
    assert {g: +c for g, c in got.items()} == {g: +c for g, c in want.items()}


def test_remembered_encodings_follow_the_data():
    """The encodings `_memo` keeps are keyed by the Arrow arrays: new data, new result."""
    ids = pd.Series(["b", "a", None, "c"], dtype="string")
    codes, names = A._codes(ids)
    assert list(names) == ["a", "b", "c"] and list(codes) == [1, 0, -1, 2]
    assert A._codes(ids)[0] is codes  # remembered
    with pytest.raises(ValueError):
        codes[0] = 5  # read-only: a caller cannot corrupt the remembered value
    changed = ids.copy()
    changed[0] = "z"
    assert list(A._codes(changed)[1]) == ["a", "c", "z"]
    assert list(A._positions(pd.Series(["c", "x"], dtype="string"), ids)) == [3, -1]
