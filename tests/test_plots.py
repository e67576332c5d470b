"""Figure builders, escaping, and offline rendering in a real headless Chromium (no network)."""
from __future__ import annotations

import json
import re
import sys

import _browser  # tests/ is on sys.path (pytest "prepend" import mode, no __init__.py)
import pandas as pd
import pytest

from ctkit import plots, schema
from ctkit.corpus import Corpus

XSS = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"

#: (article_id, outlet, published, language, title, text, [(surface, iso3, kind, role)],
#:  [(surface, name, iso3)])
ARTICLES = [
    ("a1", "Atlas Daily", "2023-01-10", "en", "Morocco and France sign a police accord",
     "Rabat – Morocco and France signed an accord. The DGSN and the French police will train "
     "together. Norwegian officers attended.",
     [("Morocco", "MAR", "name", "focal"), ("France", "FRA", "name", "partner"),
      ("French", "FRA", "demonym", "partner"), ("Norwegian", "NOR", "demonym", "partner")],
     [("DGSN", "DGSN", "MAR")]),
    ("a2", f"<b>Sahel</b> Watch & Co {XSS}", "2023-02-03", "en", XSS,
     f"Morocco and Germany held talks. {SCRIPT} Germany pledged support to Interpol.",
     [("Morocco", "MAR", "name", "focal"), ("Germany", "DEU", "name", "partner"),
      ("Germany", "DEU", "name", "partner")],
     [("Interpol", "Interpol", None)]),
    ("a3", "Atlas Daily", "2023-02-20", "fr", "Le Maroc et l'Espagne renforcent leur coopération",
     "Le Maroc et l'Espagne renforcent leur coopération avec Interpol.",
     [("Maroc", "MAR", "name", "focal"), ("Espagne", "ESP", "name", "partner")],
     [("Interpol", "Interpol", None)]),
    ("a4", "Radio Atlas", "2023-03-15", "en", "Morocco, Bahrain and Singapore meet in Manama",
     "Morocco, Bahrain and Singapore met in Manama.",
     [("Morocco", "MAR", "name", "focal"), ("Bahrain", "BHR", "name", "partner"),
      ("Singapore", "SGP", "name", "partner")], []),
    ("a5", "Radio Atlas", "2023-03-16", "en", "Spain and Morocco run a joint operation",
     "Spain and Morocco ran a joint operation.",
     [("Spain", "ESP", "name", "partner"), ("Morocco", "MAR", "name", "focal")], []),
    ("a6", f"<b>Sahel</b> Watch & Co {XSS}", "2023-04-01", "en", "Kosovo and Morocco talk",
     "Kosovo and Morocco discussed Western Sahara and Luxembourg.",
     [("Kosovo", "XKX", "name", "partner"), ("Morocco", "MAR", "name", "focal"),
      ("Western Sahara", "ESH", "name", "partner"), ("Luxembourg", "LUX", "name", "partner")],
     []),
]


def _offsets(text: str, surfaces: list[str]) -> list[tuple[int, int]]:
    """Offsets of each surface in order of appearance (repeated surfaces advance)."""
    out, pos = [], {}
    for s in surfaces:
        start = text.index(s, pos.get(s, 0))
        pos[s] = start + len(s)
        out.append((start, start + len(s)))
    return out


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    arts, cn, en, ev, eng = [], [], [], [], []
    for aid, outlet, day, lang, title, text, countries, orgs in ARTICLES:
        arts.append({"article_id": aid, "source": f"{aid}.txt", "outlet": outlet, "title": title,
                     "published": day, "language": lang, "text": text,
                     "n_words": len(text.split())})
        for (surface, iso3, kind, role), (s, e) in zip(
                countries, _offsets(text, [c[0] for c in countries]), strict=True):
            cn.append({"article_id": aid, "iso3": iso3, "country": iso3, "surface": surface,
                       "start": s, "end": e, "sentence": 0, "kind": kind, "role": role})
        for (surface, name, iso3), (s, e) in zip(
                orgs, _offsets(text, [o[0] for o in orgs]), strict=True):
            en.append({"article_id": aid, "label": "ORG", "name": name, "surface": surface,
                       "start": s, "end": e, "iso3": iso3, "source": "gazetteer"})
    names = {"MAR": "Morocco", "FRA": "France", "NOR": "Norway", "DEU": "Germany", "ESP": "Spain",
             "BHR": "Bahrain", "SGP": "Singapore", "XKX": "Kosovo", "ESH": "Western Sahara",
             "LUX": "Luxembourg"}
    for row in cn:
        row["country"] = names[row["iso3"]]
    ev.append({"event_id": "e1", "article_id": "a1", "type": "agreement", "code": "057",
               "iso3": "FRA", "sentence": "Rabat – Morocco and France signed an accord.",
               "trigger": "signed", "start": 0, "end": 44})
    eng += [{"article_id": "a1", "metric": "comments", "value": 4},
            {"article_id": "a2", "metric": "views", "value": 1200},
            {"article_id": "a2", "metric": "shares", "value": 3},
            {"article_id": "a4", "metric": "comments", "value": 0}]
    return Corpus(articles=schema.conform("articles", arts),
                  countries=schema.conform("countries", cn),
                  entities=schema.conform("entities", en), events=schema.conform("events", ev),
                  engagement=schema.conform("engagement", eng)).validate()


def _counts() -> pd.DataFrame:
    """A table with the columns of analysis.partner_counts."""
    return pd.DataFrame({
        "iso3": ["FRA", "DEU", "ESP", "BHR", "SGP", "TUV", "ESH"],
        "country": ["France", "Germany", "Spain", "Bahrain", "Singapore", "Tuvalu",
                    "Western Sahara"],
        "articles": [5, 3, 4, 1, 1, 2, 1], "mentions": [9, 6, 4, 1, 1, 2, 1],
        "share": [0.5, 0.3, 0.4, 0.1, 0.1, 0.2, 0.1],
        "example_title": ["Accord & MoU", XSS, "Spain", "b", "s", "t", "w"],
    })


def _trace_by_name(fig, name):
    return next(t for t in fig.data if t.name == name)


# -- figures (no browser) ------------------------------------------------------------------------
def test_partner_map_uses_shipped_geojson_not_plotly_iso_map():
    fig = plots.partner_map(_counts(), focal="MAR")
    main = fig.data[0]
    assert main.type == "choropleth"
    assert main.locationmode in (None, "geojson-id")
    assert main.featureidkey == "properties.iso3"
    assert len(main.locations) > 200 and "MAR" not in main.locations
    z = dict(zip(main.locations, main.z, strict=True))
    assert z["FRA"] == 5 and z["NOR"] == 0
    assert fig.layout.template.layout.colorway[0] == plots.OKABE_ITO[0]


def test_partner_map_marks_the_focal_country():
    fig = plots.partner_map(_counts(), focal="MAR")
    focal = _trace_by_name(fig, "Morocco (focal)")
    assert list(focal.locations) == ["MAR"] and focal.showlegend
    assert focal.marker.line.width > 1
    assert [f["id"] for f in focal.geojson["features"]] == ["MAR"]


def test_partner_map_hover_has_count_share_and_escaped_headline():
    fig = plots.partner_map(_counts(), focal="MAR")
    main = fig.data[0]
    text = dict(zip(main.locations, main.text, strict=True))
    assert "articles: 5" in text["FRA"] and "share: 50.0%" in text["FRA"]
    assert "Accord &amp; MoU" in text["FRA"]
    assert "<img" not in text["DEU"] and "&lt;img src=x" in text["DEU"]
    assert text["NOR"].endswith("not named")


def test_small_named_states_get_a_marker():
    fig = plots.partner_map(_counts(), focal="MAR")
    markers = [t for t in fig.data if t.type == "scattergeo"]
    assert len(markers) == 1 and len(markers[0].lon) == 2  # Bahrain, Singapore


def test_rows_without_a_shape_are_listed_under_the_map():
    fig = plots.partner_map(_counts(), focal="MAR", western_sahara="hidden")
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "Tuvalu 2" in notes and "Western Sahara 1" in notes


def test_western_sahara_in_morocco_widens_the_focal_shape():
    sep = plots.partner_map(_counts(), focal="MAR")
    mor = plots.partner_map(_counts(), focal="MAR", western_sahara="morocco")
    assert "ESH" in sep.data[0].locations and "ESH" not in mor.data[0].locations
    lat = [pt[1] for pt in
           _trace_by_name(mor, "Morocco (focal)").geojson["features"][0]["geometry"]
           ["coordinates"][0]]
    assert min(lat) < 21.0


def test_partner_map_accepts_a_corpus(corpus):
    fig = plots.partner_map(corpus, focal="MAR")
    z = dict(zip(fig.data[0].locations, fig.data[0].z, strict=True))
    assert z["ESP"] == 2 and z["DEU"] == 1 and z["FRA"] == 1
    text = dict(zip(fig.data[0].locations, fig.data[0].text, strict=True))
    assert "mentions: 2" in text["DEU"]


def test_partner_map_rejects_bad_tables():
    with pytest.raises(ValueError, match="iso3"):
        plots.partner_map(pd.DataFrame({"code": ["FRA"], "articles": [1]}))
    with pytest.raises(ValueError, match="one row per iso3"):
        plots.partner_map(pd.DataFrame({"iso3": ["FRA", "FRA"], "articles": [1, 2],
                                        "period": ["2023-01", "2023-02"]}))
    with pytest.raises(ValueError, match="value"):
        plots.partner_map(_counts(), value="events")


def test_analysis_tables_feed_the_figures(corpus):
    analysis = pytest.importorskip("ctkit.analysis")
    counts = analysis.partner_counts(corpus.countries, corpus.articles, focal="MAR")
    assert plots.partner_map(counts).data[0].type == "choropleth"
    cov = analysis.coverage(corpus.countries, corpus.articles, focal="MAR", normalize="outlet")
    assert plots.coverage_heatmap(cov).data[0].type == "heatmap"
    sov = analysis.share_of_voice(corpus.countries, corpus.articles, focal="MAR")
    assert plots.share_of_voice_bars(sov).data[0].type == "bar"
    tl = analysis.timeline(corpus.countries, corpus.articles, freq="M", by="iso3")
    assert len(plots.timeline(tl, color="iso3").data) >= 3
    eng = analysis.engagement_over_time(corpus.engagement, corpus.articles, freq="M")
    assert plots.engagement_chart(eng).data


def test_coverage_heatmap_long_and_wide_agree():
    long = pd.DataFrame({"outlet": ["A", "A", "B"], "iso3": ["FRA", "ESP", "FRA"],
                         "share": [0.5, 0.25, 1.0]})
    wide = long.pivot_table(index="outlet", columns="iso3", values="share", fill_value=0.0)
    a, b = plots.coverage_heatmap(long), plots.coverage_heatmap(wide)
    assert a.data[0].z == b.data[0].z
    assert list(a.data[0].x) == ["France", "Spain"] and list(a.data[0].y) == ["B", "A"]


def test_coverage_heatmap_escapes_outlets_and_notes_cut_columns():
    long = pd.DataFrame({"outlet": [XSS] * 3, "iso3": ["FRA", "ESP", "DEU"],
                         "articles": [3, 2, 1]})
    fig = plots.coverage_heatmap(long, value="articles", top=2)
    assert fig.data[0].y[0].startswith("&lt;img")
    assert "1 more partner columns not shown" in fig.layout.title.text


def test_share_of_voice_bars_raw_and_normalised():
    sov = pd.DataFrame({"outlet": ["Big", "Small"], "articles": [10, 2], "output": [100, 4],
                        "share": [10 / 12, 2 / 12], "rate": [0.1, 0.5],
                        "normalized_share": [0.1 / 0.6, 0.5 / 0.6]})
    fig = plots.share_of_voice_bars(sov)
    assert [t.name for t in fig.data] == ["share", "share per output"]
    assert fig.layout.xaxis.tickformat == ".0%"
    with pytest.raises(ValueError, match="period"):
        plots.share_of_voice_bars(pd.concat([sov.assign(period="2023-01-01"),
                                             sov.assign(period="2023-02-01")]))


def test_timeline_spikes_milestones_and_range_slider():
    tl = pd.DataFrame({"period": pd.date_range("2023-01-01", periods=6, freq="MS").repeat(2),
                       "iso3": ["FRA", "ESP"] * 6, "articles": [1, 0, 2, 1, 9, 1, 1, 0, 2, 2, 1, 1],
                       "spike": [False] * 4 + [True] + [False] * 7})
    fig = plots.timeline(tl, y="articles", color="iso3",
                         milestones={"2023-03-15": "Summit <in Rabat>"})
    names = [t.name for t in fig.data]
    assert names == ["France", "Spain", "spike"]
    assert len(fig.data[2].x) == 1
    assert fig.layout.xaxis.rangeslider.visible
    assert len(fig.layout.shapes) == 1
    assert fig.layout.annotations[0].text == "Summit &lt;in Rabat&gt;"


def test_timeline_reads_milestone_windows_from_the_table():
    tl = pd.DataFrame({"period": pd.to_datetime(["2023-01-01", "2023-02-01"] * 2),
                       "articles": [1, 2, 1, 2], "milestone": ["a", "a", "b", "b"],
                       "milestone_date": pd.to_datetime(["2023-01-05"] * 2 + ["2023-02-05"] * 2)})
    fig = plots.timeline(tl)
    assert len(fig.data[0].x) == 2  # rows repeated per milestone are drawn once
    assert len(fig.layout.shapes) == 2


def test_engagement_chart_says_how_many_articles_show_counters():
    eng = pd.DataFrame({
        "period": pd.to_datetime(["2023-01-01"] * 3 + ["2023-02-01"] * 3),
        "metric": ["comments", "views", "any"] * 2,
        "articles": [4, 4, 4, 2, 2, 2], "articles_with_counters": [1, 1, 2, 0, 0, 0],
        "sum": [4, 1200, None, None, None, None],
    })
    fig = plots.engagement_chart(eng)
    assert "2 of 6 dated articles show an audience counter" in fig.layout.title.text
    comments = _trace_by_name(fig, "comments")
    assert comments.y[1] is None or comments.y[1] != comments.y[1]  # a gap, not 0


def test_template_is_registered_once():
    import plotly.io as pio

    assert plots.register_template() == "ctkit" and "ctkit" in pio.templates
    assert plots.register_template() == "ctkit"


# -- article view --------------------------------------------------------------------------------
def test_article_view_marks_every_mention_and_escapes(corpus):
    view = plots.article_view(corpus, "a2")
    assert isinstance(view, plots.ArticleView) and view._repr_html_() == str(view)
    assert "<script>window" not in view and "&lt;script&gt;" in view
    assert "<img" not in view
    body = view.split('class="body">', 1)[1].split("</div>", 1)[0]
    assert body.count("<mark") == 4  # Morocco, Germany, Germany, Interpol
    assert 'title="DEU · Germany · name · partner"' in body
    assert 'title="ORG · Interpol"' in body


def test_article_view_traces_events_and_offsets(corpus):
    view = plots.article_view(corpus, "a1")
    assert "<td>agreement</td>" in view and "signed" in view
    assert re.search(r'<td class="at">[0-9]+–[0-9]+</td>', view)
    assert "NOR · Norway · demonym · partner" in view


def test_article_view_needs_text(corpus):
    no_text = Corpus(articles=corpus.articles.drop(columns=["text"]),
                     countries=corpus.countries)
    with pytest.raises(ValueError, match="text=True"):
        plots.article_view(no_text, "a1")
    with pytest.raises(KeyError):
        plots.article_view(corpus, "nope")


def test_article_view_skips_rows_whose_offsets_do_not_fit(corpus):
    bad = corpus.countries.copy()
    bad.loc[0, "start"], bad.loc[0, "end"] = 500, 510
    view = plots.article_view({"articles": corpus.articles, "countries": bad}, "a1")
    assert "1 mention rows whose offsets do not fit" in view


# -- offline pages -------------------------------------------------------------------------------
def test_offline_html_embeds_plotly_once_after_the_geo_assets(tmp_path, corpus):
    page = plots.offline_html([plots.partner_map(corpus), plots.timeline(
        pd.DataFrame({"period": pd.to_datetime(["2023-01-01"]), "articles": [1]}))],
        tmp_path / "r.html", title=XSS)
    assert page.count("window.Plotly = Plotly") == 1
    assert page.index("PlotlyGeoAssets") < page.index("window.Plotly = Plotly")
    assert "https://cdn" not in page.split("/**\n* plotly.js")[0]
    assert "<img src=x" not in page.replace("\\u003c", "<!") and "<title>&lt;img" in page
    assert (tmp_path / "r.html").read_text("utf-8") == page


def test_geo_assets_cover_every_scope_and_are_script_safe():
    script = plots.geo_assets_script()
    assert script.startswith("<script>") and script.count("</script>") == 1
    keys = json.loads(re.search(r"var k=(\[.*?\]);", script).group(1))
    assert "world_110m" in keys and "world_50m" in keys and "europe_110m" in keys


def test_notebook_renderer_loads_nothing_from_a_cdn(monkeypatch):
    import plotly.io as pio

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    before = pio.renderers.default
    try:
        plots.notebook_setup()
        assert pio.renderers.default == "ctkit"
        assert len(shown) == 1 and shown[0].index("PlotlyGeoAssets") < shown[0].index(
            "window.Plotly = Plotly")
        bundle = pio.renderers["ctkit"].to_mimebundle(plots.partner_map(_counts()).to_dict())
        html = bundle["text/html"]
        assert "Plotly.newPlot" in html and "https://" not in html
        assert "window.Plotly = Plotly" not in html
    finally:
        pio.renderers.default = before


def test_after_import_runs_its_hook_once_the_module_is_imported(tmp_path, monkeypatch):
    (tmp_path / "ctkit_hook_probe.py").write_text("VALUE = 1\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    calls = []
    plots._after_import("ctkit_hook_probe", lambda: calls.append("late"))
    assert calls == []
    import ctkit_hook_probe

    assert calls == ["late"] and ctkit_hook_probe.VALUE == 1
    plots._after_import("ctkit_hook_probe", lambda: calls.append("now"))
    assert calls == ["late", "now"]
    assert not any(isinstance(f, plots._AfterImport) for f in sys.meta_path)
    del sys.modules["ctkit_hook_probe"]


def test_save_static_names_what_is_missing(tmp_path, monkeypatch):
    fig = plots.timeline(pd.DataFrame({"period": pd.to_datetime(["2023-01-01"]),
                                       "articles": [1]}))
    with pytest.raises(ValueError, match="suffix"):
        plots.save_static(fig, tmp_path / "x.gif")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "kaleido" else real(name, *a))
    with pytest.raises(RuntimeError, match="kaleido"):
        plots.save_static(fig, tmp_path / "x.png")


def test_local_topojson_for_kaleido():
    import plotly.io as pio

    url = plots.use_local_topojson()
    assert url.startswith("file://") and pio.defaults.topojson == url
    from pathlib import Path
    from urllib.parse import urlparse

    folder = Path(urlparse(url).path)
    assert json.loads((folder / "world_110m.json").read_text())["type"] == "Topology"


def test_local_topojson_folder_is_removed_at_exit():
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import urlparse

    code = "from ctkit import plots; print(plots.use_local_topojson())"
    url = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert url.startswith("file://")
    assert not Path(urlparse(url).path).exists()


def test_save_static_writes_png_when_kaleido_and_chrome_exist(tmp_path):
    pytest.importorskip("kaleido", reason="kaleido is optional (static export only)")
    if _browser.chromium_path() is None:
        pytest.skip("no Chromium for kaleido")
    out = plots.save_static(plots.partner_map(_counts()), tmp_path / "map.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_later_static_exports_share_one_browser(tmp_path, monkeypatch):
    """From a process's second export on, kaleido's sync server keeps one Chromium for all
    of them (starting one per export costs ~2 s); the first export runs on its own, so a
    missing browser still raises the clear error instead of a server waiting forever."""
    kaleido = pytest.importorskip("kaleido", reason="kaleido is optional (static export only)")
    if _browser.chromium_path() is None:
        pytest.skip("no Chromium for kaleido")
    import warnings

    monkeypatch.setattr(plots, "_STATIC_DONE", [])
    plots._keep_browser.cache_clear()
    fig = plots.timeline(pd.DataFrame({"period": pd.to_datetime(["2023-01-01", "2023-02-01"]),
                                       "articles": [1, 3]}))
    try:
        plots.save_static(fig, tmp_path / "a.png")
        assert not kaleido._global_server.is_running()  # one export: no browser kept
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # plotly's "kopts ignored" warning is not shown
            plots.save_static(fig, tmp_path / "b.svg")
            plots.save_static(fig, tmp_path / "c.png")
        assert kaleido._global_server.is_running()
        assert (tmp_path / "b.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
        for name in ("a.png", "c.png"):
            assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:  # no browser left running in the test process (later tests fork)
        kaleido.stop_sync_server(silence_warnings=True)
        plots._keep_browser.cache_clear()


# -- in a real browser, network off --------------------------------------------------------------
browser_only = pytest.mark.skipif(_browser.skip_reason() is not None,
                                  reason=_browser.skip_reason() or "")


@pytest.fixture(scope="module")
def chromium():
    with _browser.browser() as b:
        yield b


@pytest.fixture(scope="module")
def report(tmp_path_factory, corpus):
    tl = pd.DataFrame({"period": pd.date_range("2023-01-01", periods=6, freq="MS").repeat(2),
                       "iso3": ["FRA", "ESP"] * 6, "articles": [1, 0, 2, 1, 9, 1, 1, 0, 2, 2, 1, 1],
                       "spike": [False] * 4 + [True] + [False] * 7})
    eng = pd.DataFrame({
        "period": pd.to_datetime(["2023-01-01"] * 3 + ["2023-02-01"] * 3),
        "metric": ["comments", "views", "any"] * 2,
        "articles": [4, 4, 4, 2, 2, 2], "articles_with_counters": [1, 1, 2, 0, 0, 0],
        "sum": [4, 1200, None, None, None, None]})
    cov = pd.DataFrame({"outlet": ["Atlas", XSS, "Atlas"], "iso3": ["FRA", "FRA", "ESP"],
                        "share": [0.5, 1.0, 0.5]})
    sov = pd.DataFrame({"outlet": ["Big", XSS], "share": [0.8, 0.2],
                        "normalized_share": [0.3, 0.7]})
    figs = [plots.partner_map(_counts(), title=XSS),
            plots.partner_map(corpus, western_sahara="morocco"),
            plots.coverage_heatmap(cov), plots.share_of_voice_bars(sov),
            plots.timeline(tl, color="iso3", milestones={"2023-03-01": XSS}),
            plots.engagement_chart(eng), plots.article_view(corpus, "a2"), XSS]
    path = tmp_path_factory.mktemp("report") / "report.html"
    plots.offline_html(figs, path, title=XSS)
    return path


@pytest.fixture(scope="module")
def opened(chromium, report):
    """The report loaded once in Chromium: (page, log, what each figure drew)."""
    with _browser.open_page(chromium, report) as (page, log):
        yield page, log, _browser.drawn(page)


@browser_only
def test_report_draws_offline_with_no_console_errors(opened):
    page, log, drawn = opened
    assert log.blocked == [], "the page tried to reach the network"
    assert log.errors == []
    assert page.evaluate("window.__pwned") is None
    assert len(drawn) == 6
    maps, heat, bars, lines, eng = drawn[:2], drawn[2], drawn[3], drawn[4], drawn[5]
    for m in maps:
        assert m["choropleth"] > 150, m
    assert heat["heatmap"] >= 1
    assert bars["bars"] >= 4
    assert lines["lines"] >= 2 and lines["points"] >= 1
    assert eng["bars"] >= 2 and eng["lines"] >= 1


@browser_only
def test_map_paths_are_countries_not_the_whole_globe(opened):
    """A ring the wrong way round fills the sphere: no country may cover open ocean."""
    page, _log, drawn = opened
    inside = page.evaluate("""() => {
      const gd = document.querySelectorAll('.js-plotly-plot')[0];
      const proj = gd._fullLayout.geo._subplot.projection;
      const seas = [[-30, 0], [-150, 0], [80, -30], [-15, -40], [170, -20], [-130, 30]];
      const hits = [];
      for (const p of gd.querySelectorAll('path.choroplethlocation')) {
        for (const sea of seas) {
          const [x, y] = proj(sea);
          if (p.isPointInFill(new DOMPoint(x, y))) hits.push([p.__data__.loc, sea]);
        }
      }
      return hits;
    }""")
    assert drawn[0]["choropleth"] > 150
    assert inside == []


@browser_only
def test_hover_shows_the_headline_as_text(opened):
    page, log, _drawn = opened
    box = page.evaluate("""() => {
      const gd = document.querySelectorAll('.js-plotly-plot')[0];
      const el = Array.from(gd.querySelectorAll('path.choroplethlocation'))
          .find(p => p.__data__ && p.__data__.loc === 'DEU');
      const r = el.getBoundingClientRect();
      return {x: r.x + r.width / 2, y: r.y + r.height / 2};
    }""")
    page.mouse.move(box["x"], box["y"])
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    hover = page.evaluate("() => document.querySelector('.hoverlayer').textContent")
    assert "Germany" in hover and XSS in hover  # shown as typed, not run
    assert page.query_selector(".hoverlayer img") is None
    assert page.evaluate("window.__pwned") is None
    assert log.errors == []


@browser_only
def test_notebook_html_export_draws_the_map_offline(chromium, tmp_path):
    """notebook_setup() in a real kernel, exported by nbconvert, opened with the network off."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from ctkit import plots\nplots.notebook_setup()"),
        nbformat.v4.new_code_cell(
            "import pandas as pd\n"
            "plots.partner_map(pd.DataFrame({'iso3': ['FRA', 'ESP'], 'articles': [3, 1]}))"),
        nbformat.v4.new_code_cell(
            "plots.partner_map(pd.DataFrame({'iso3': ['NOR'], 'articles': [2]}))"),
    ]
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    html_out = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert sum("window.Plotly = Plotly" in h for h in html_out) == 1  # plotly.js once
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    path = tmp_path / "nb.html"
    path.write_text(body, "utf-8")
    with _browser.open_page(chromium, path) as (page, log):
        drawn = _browser.drawn(page)
        plotly_errors = [e for e in log.errors if "Failed to load resource" not in e]
        assert plotly_errors == []
        assert not [u for u in log.blocked if "plot.ly" in u or "topojson" in u]
    assert len(drawn) == 2 and all(d["choropleth"] > 150 for d in drawn)
