"""ctkit.reports: typed parameters, checks before any work, outputs, manifest, index, HTML."""
from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ctkit import reports, schema
from ctkit.corpus import Corpus
from ctkit.params import ParameterError

ROOT = Path(__file__).resolve().parents[1]

OUTLETS = {"Atlas Daily": "en", "Le Courrier": "fr", "Sahel Watch": "en", "Al Maghrib": "ar"}
PARTNERS = {"ESP": "Spain", "FRA": "France", "USA": "United States", "BEL": "Belgium",
            "SEN": "Senegal", "NGA": "Nigeria", "MLI": "Mali", "DEU": "Germany"}
WORDS = {"en": "police security cooperation training border intelligence terrorism cell",
         "fr": "police sécurité coopération formation frontière renseignement terrorisme",
         "ar": "الأمن التعاون الشرطة الإرهاب الحدود التكوين"}
TYPES = ("meeting", "agreement", "training", "joint_operation")


def synthetic_corpus(n: int = 120, *, seed: int = 7) -> Corpus:
    """A small corpus in the table contract: 4 outlets, en/fr/ar, 2022-2024, MAR focal."""
    rng = random.Random(seed)
    arts, ctry, evs, eng = [], [], [], []
    codes = list(PARTNERS)
    for i in range(n):
        aid = f"a{i:03d}"
        outlet = list(OUTLETS)[i % len(OUTLETS)]
        lang = OUTLETS[outlet]
        day = None if i % 29 == 5 else pd.Timestamp("2022-01-03") + pd.Timedelta(days=6 * i)
        partners = rng.sample(codes[: 3 + i % 6], k=1 + i % 3)
        words = WORDS[lang].split()
        arts.append({"article_id": aid, "source": f"{aid}.txt", "outlet": outlet,
                     "title": f"Morocco and {PARTNERS[partners[0]]} <b>talk</b> #{i}",
                     "published": day, "language": lang, "n_words": 60,
                     "text": " ".join(rng.choice(words) for _ in range(60)),
                     "duplicate_of": "a000" if i in (40, 80) else None})
        named = ([] if i % 17 == 3 else ["MAR"]) + partners
        for k, code in enumerate(named):
            name = "Morocco" if code == "MAR" else PARTNERS[code]
            ctry.append({"article_id": aid, "iso3": code, "country": name, "surface": name,
                         "start": 20 * k, "end": 20 * k + len(name), "sentence": 0,
                         "kind": "name", "role": "focal" if code == "MAR" else "partner"})
        for j in range(i % 3):
            etype = TYPES[(i + j) % len(TYPES)]
            for code in partners[:2]:
                evs.append({"event_id": f"{aid}-e{j}", "article_id": aid, "type": etype,
                            "code": "04", "iso3": code, "sentence": "s", "trigger": etype})
        if i % 5 in (0, 2):
            eng.append({"article_id": aid, "metric": "comments", "value": rng.randint(0, 30)})
        if i % 5 == 0:
            eng.append({"article_id": aid, "metric": "views", "value": rng.randint(50, 900)})
    errors = [{"source": "bad.txt", "stage": "ingest", "severity": "error", "error": "empty"},
              {"source": "img.txt", "stage": "ingest", "severity": "error", "error": "binary"},
              {"source": "a003.txt", "stage": "meta", "severity": "warning", "error": "no date"}]
    return Corpus(articles=schema.conform("articles", arts),
                  countries=schema.conform("countries", ctry),
                  events=schema.conform("events", evs),
                  engagement=schema.conform("engagement", eng),
                  errors=schema.conform("errors", errors))


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "synthetic"
    synthetic_corpus().validate().to_parquet(out)
    return out


# -- parameters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "text", "declared", "expected"), [
    ("min_mentions", "3", "int", 3),
    ("outlets", "Le Matin, Hespress", "list[str] | None", ["Le Matin", "Hespress"]),
    ("outlets", '["Le Matin, Rabat"]', "list[str] | None", ["Le Matin, Rabat"]),
    ("outlets", "None", "list[str] | None", None),
    ("start", "2023-01-01", "str | None", "2023-01-01"),
    ("start", "null", "str | None", None),
    ("share", "0.25", "float", 0.25),
    ("flag", "yes", "bool", True),
    ("counts", "1,2", "list[int]", [1, 2]),
    ("focal", "ESP", "str", "ESP"),
])
def test_command_line_strings_take_the_declared_type(name, text, declared, expected):
    assert reports.parse_value(name, text, declared) == expected


def test_a_value_of_the_wrong_type_is_one_sentence():
    with pytest.raises(ParameterError, match=r"^Parameter 'min_mentions' must be an integer, "
                                             r"got '2.5'\.$"):
        reports.parse_value("min_mentions", "2.5", "int")


def test_typed_values_pass_through_unchanged():
    assert reports.parse_value("outlets", ["A", "B"], "list[str] | None") == ["A", "B"]


def test_parameters_cell_is_read_with_union_types_and_comments():
    source = ('# Parameters: papermill overrides these.\n'
              'data_dir: str = "data/#x"  # parsed corpus\n'
              'start: str | None = None  # first date; None keeps all = everything\n'
              'outlets: list[str] | None = None\n'
              'n = 3\n')
    assert reports.inspect_parameters(source) == {
        "data_dir": ("str", "'data/#x'", "parsed corpus"),
        "start": ("str | None", "None", "first date; None keeps all = everything"),
        "outlets": ("list[str] | None", "None", ""),
        "n": ("Any", "3", ""),
    }


def test_unknown_parameter_fails_before_any_work_and_lists_allowed_names(corpus_dir, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError) as err:
        reports.run_reports(corpus_dir, out=out, params={"fcal": "ESP"})
    message = str(err.value)
    assert message.startswith("Unknown parameter 'fcal' (did you mean 'focal'?)")
    assert "allowed parameters are end, focal, freq, languages, min_mentions, outlets, start" \
        in message
    assert not out.exists()


@pytest.mark.parametrize(("params", "words"), [
    ({"start": "2023-02-30"}, "YYYY-MM-DD"),
    ({"min_mentions": "two"}, "must be an integer"),
    ({"freq": "Y"}, "D, W, M or Q"),
    ({"focal": "morocco"}, "ISO3"),
    ({"start": "2023-05-01", "end": "2023-01-01"}, "after 'end'"),
    ({"data_dir": "elsewhere"}, "DATA_DIR argument"),
])
def test_bad_values_fail_before_any_work(corpus_dir, tmp_path, params, words):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError, match=re.escape(words)):
        reports.run_reports(corpus_dir, out=out, params=params)
    assert not out.exists()


def test_missing_corpus_and_unknown_notebook_are_clear(corpus_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="no articles.parquet"):
        reports.run_reports(tmp_path, out=tmp_path / "r")
    with pytest.raises(ValueError, match="no notebook 'nope'.*partner_map"):
        reports.run_reports(corpus_dir, out=tmp_path / "r", notebooks=["nope"])


def test_cli_reports_parameter_errors_in_one_line(corpus_dir, tmp_path, capsys):
    from ctkit.cli import main

    code = main(["report", str(corpus_dir), "--out", str(tmp_path / "r"), "-p", "fcal", "ESP"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Unknown parameter 'fcal'" in err


def test_static_export_on_demand_says_what_is_missing(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "_static_problem", lambda: "kaleido is not installed")
    with pytest.raises(RuntimeError, match="static figure export impossible: kaleido"):
        reports.run_reports(corpus_dir, out=tmp_path / "r", static=True)


def test_run_names_and_path_templates():
    assert reports.run_name("data/processed/sample", {}) == "sample"
    assert (reports.run_name("x/sample", {"start": "2023-01-01", "focal": "ESP"})
            == "sample_focal-ESP_start-2023-01-01")
    assert reports.run_name("x/s", {"outlets": ["Le Matin", "Hespress"]}) \
        == "s_outlets-Le-Matin,Hespress"
    long = reports.run_name("x/s", {"outlets": [f"Outlet number {i}" for i in range(20)]})
    assert len(long) <= 80 and re.search(r"_[0-9a-f]{10}$", long)
    assert reports._expand("{run}/{notebook}", {"run": "a b", "notebook": "n"}) == Path("a-b/n")
    with pytest.raises(ValueError, match="unknown field"):
        reports._expand("{when}/{notebook}", {"run": "r", "notebook": "n"})
    with pytest.raises(ValueError, match="relative path inside"):
        reports._expand("../{notebook}", {"run": "r", "notebook": "n"})


def test_data_dir_is_found_from_the_notebooks_folder(tmp_path):
    corpus = tmp_path / "data/processed/sample"
    corpus.mkdir(parents=True)
    (corpus / "articles.parquet").write_bytes(b"")
    (tmp_path / "notebooks").mkdir()
    found = reports.find_data_dir("data/processed/sample", start=tmp_path / "notebooks")
    assert found == corpus.resolve()
    with pytest.raises(reports.NotebookParameterError, match="No parsed corpus at 'data/nope'"):
        reports.find_data_dir("data/nope", start=tmp_path / "notebooks")


def test_parameter_errors_render_as_one_line_in_jupyter():
    err = reports.NotebookParameterError("Parameter 'freq' must be one of D, W, M or Q.")
    assert err._render_traceback_() == ["ParameterError: Parameter 'freq' must be one of D, W, "
                                        "M or Q."]


# -- overview tables, against hand counts --------------------------------------------------------
ARTS = schema.conform("articles", [
    {"article_id": "a", "outlet": "X", "language": "fr", "published": "2023-01-05"},
    {"article_id": "b", "outlet": "X", "language": "en", "published": "2023-03-01"},
    {"article_id": "c", "outlet": "Y", "language": "fr", "published": None,
     "duplicate_of": "a"},
    {"article_id": "d", "outlet": None, "language": "fr", "published": "2023-02-01"},
])


def test_article_counts_per_outlet():
    got = reports.article_counts(ARTS, by="outlet")
    assert got["outlet"].tolist()[:2] == ["X", "Y"] and pd.isna(got["outlet"].iloc[2])
    assert got["articles"].tolist() == [2, 1, 1]
    assert got["share"].tolist() == [0.5, 0.25, 0.25]


def test_counter_coverage_counts_articles_not_rows():
    eng = schema.conform("engagement", [
        {"article_id": "a", "metric": "comments", "value": 3},
        {"article_id": "a", "metric": "views", "value": 10},
        {"article_id": "b", "metric": "comments", "value": 0},
        {"article_id": "zz", "metric": "views", "value": 5},  # not in scope
    ])
    got = reports.counter_coverage(eng, ARTS)
    assert got.to_dict("list") == {"metric": ["comments", "views", "any"],
                                   "articles": [4, 4, 4], "with_counter": [2, 1, 2],
                                   "share": [0.5, 0.25, 0.5]}
    sentence = reports.counters_sentence(got)
    assert sentence.startswith("2 of 4 articles (50%) show at least one audience counter "
                               "(comments on 2, views on 1)")
    none = reports.counter_coverage(schema.empty("engagement"), ARTS)
    assert none.to_dict("list") == {"metric": ["any"], "articles": [4], "with_counter": [0],
                                    "share": [0.0]}
    assert "cannot be measured" in reports.counters_sentence(none)


def test_errors_summary_puts_errors_first():
    errors = schema.conform("errors", [
        {"source": "1", "stage": "meta", "severity": "warning", "error": "no date"},
        {"source": "2", "stage": "ingest", "severity": "error", "error": "empty file"},
        {"source": "3", "stage": "ingest", "severity": "error", "error": "binary"},
    ])
    got = reports.errors_summary(errors)
    assert got.to_dict("list") == {"stage": ["ingest", "meta"], "severity": ["error", "warning"],
                                   "rows": [2, 1], "example": ["empty file", "no date"]}


def test_corpus_facts_and_example_article():
    countries = schema.conform("countries", [
        {"article_id": "a", "iso3": "MAR", "role": "focal"},
        {"article_id": "a", "iso3": "ESP", "role": "partner"},
        {"article_id": "b", "iso3": "MAR", "role": "focal"},
        {"article_id": "b", "iso3": "ESP", "role": "partner"},
        {"article_id": "d", "iso3": "FRA", "role": "partner"},
    ])
    corpus = Corpus(articles=ARTS, countries=countries)
    facts = dict(zip(*reports.corpus_facts(corpus, focal="MAR").to_dict("list").values(),
                     strict=True))
    assert facts["articles"] == 4 and facts["undated articles"] == 1
    assert facts["first date"] == "2023-01-05" and facts["last date"] == "2023-03-01"
    assert facts["syndicated copies"] == 1
    assert facts["articles naming MAR"] == 2
    assert facts["articles naming a country other than MAR"] == 3
    assert reports.example_article(corpus, iso3="ESP", focal="MAR") == "b"  # the most recent
    assert reports.example_article(corpus, iso3="FRA", focal="MAR") is None


# -- record / read back, slim, HTML, index -------------------------------------------------------
def _recorded(name: str, df: pd.DataFrame) -> dict:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as cap:
        reports.record(name, df)
    assert len(cap.outputs) == 1
    return dict(cap.outputs[0].data)


def test_record_keeps_a_rounded_json_table_that_reads_back():
    df = pd.DataFrame({"iso3": pd.array(["ESP", None], dtype="string"),
                       "share": [1 / 3, 0.5], "n": pd.array([2, None], dtype="Int64"),
                       "period": pd.to_datetime(["2023-01-01", "2023-02-01"])})
    data = _recorded("t", df)
    assert set(data) == {reports.MIME, "text/html", "text/plain"}
    assert data[reports.MIME] == {"name": "t", "columns": ["iso3", "share", "n", "period"],
                                  "data": [["ESP", 0.3333, 2, "2023-01-01"],
                                           [None, 0.5, None, "2023-02-01"]]}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    nb.cells = [cell]
    nbformat.validate(nb)
    back = reports.read_records(nb)["t"]
    assert back["iso3"].iloc[0] == "ESP" and pd.isna(back["iso3"].iloc[1])
    assert back["share"].tolist() == [0.3333, 0.5]


def test_record_escapes_html():
    data = _recorded("<b>x</b>", pd.DataFrame({"title": ["<script>alert(1)</script>"]}))
    assert "<script>" not in data["text/html"] and "&lt;script&gt;" in data["text/html"]


def test_show_says_why_there_is_no_static_copy(tmp_path, monkeypatch, capsys):
    import IPython.display
    import plotly.graph_objects as go

    from ctkit import plots

    def no_kaleido(fig, path, **kw):
        raise RuntimeError("static export needs kaleido")

    shown = []
    monkeypatch.setattr(plots, "save_static", no_kaleido)
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    fig = go.Figure()
    reports.show(fig, name="map", params={"static_dir": str(tmp_path / "figs")})
    assert shown == [fig]  # the figure is shown anyway
    assert capsys.readouterr().out == "No static copy of map: static export needs kaleido\n"


def test_slim_notebook_drops_big_outputs_and_run_metadata():
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "now"}
    big = nbformat.v4.new_code_cell("fig")
    big.metadata["papermill"] = {"duration": 1.0}
    big.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "x" * 100_000})]
    kept = nbformat.v4.new_code_cell("record")
    kept.outputs = [nbformat.v4.new_output("display_data", data={
        reports.MIME: {"name": "t", "columns": ["a"], "data": [["y" * 100_000]]}})]
    nb.cells = [big, kept]
    slim = reports.slim_notebook(nb)
    assert "papermill" not in slim.metadata and "papermill" not in slim.cells[0].metadata
    assert "run the notebook" in slim.cells[0].outputs[0]["data"]["text/plain"]
    assert slim.cells[1].outputs == kept.outputs
    assert "papermill" in nb.metadata  # the input is not modified


def test_html_export_hides_code_and_loads_nothing_from_the_network():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("secret_code_line = 1")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="visible output")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title <i>x</i>"), code]
    page = reports.to_html(nb, header="<div>run header</div>")
    assert "visible output" in page and "run header" in page
    assert "secret_code_line" not in page
    assert not re.search(r"<script[^>]+src=\"?https?:", page)
    assert "cdnjs" not in page and "require.js" not in page and "mathjax" not in page.lower()
    assert "secret_code_line" in reports.to_html(nb, show_code=True)


def test_index_escapes_titles_and_links_each_report(tmp_path):
    run = tmp_path / "sample_x"
    run.mkdir()
    manifest = {"notebook": "partner_map", "title": "<script>alert(1)</script>",
                "run": "sample_x", "status": "ok",
                "outputs": {"notebook": "partner_map.ipynb", "html": "partner_map.html"},
                "parameters": {"given": {"outlets": ["<b>A</b>"]}}, "finished": "t"}
    (run / "partner_map.manifest.json").write_text(json.dumps(manifest), "utf-8")
    page = reports.write_index(tmp_path).read_text("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;A&lt;/b&gt;" in page
    assert 'href="sample_x/partner_map.html"' in page
    assert 'href="sample_x/partner_map.manifest.json"' in page
    assert not list(tmp_path.glob(".*tmp*"))


# -- a real run ----------------------------------------------------------------------------------
PLOTLY_BANNER = "* plotly.js v"


@pytest.fixture(scope="module")
def report_run(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("reports")
    params = {"focal": "ESP", "start": "2022-06-01", "freq": "Q", "min_mentions": "2"}
    index = reports.run_reports(corpus_dir, out=out, params=params,
                                notebooks=["partner_map", "overview"], quiet=True)
    return {"out": out, "index": index, "run": out / "synthetic_focal-ESP_freq-Q_min_mentions-2"
            "_start-2022-06-01"}


def test_run_writes_notebooks_html_manifests_and_index(report_run):
    run, out = report_run["run"], report_run["out"]
    for name in ("partner_map", "overview"):
        for suffix in (".ipynb", ".html", ".manifest.json"):
            assert (run / f"{name}{suffix}").is_file(), f"{name}{suffix}"
    assert report_run["index"] == out / "index.html"
    index = report_run["index"].read_text("utf-8")
    assert f'href="{run.name}/partner_map.html"' in index and ">Partner map</a>" in index
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_manifest_says_how_to_reproduce(report_run, corpus_dir):
    m = json.loads((report_run["run"] / "partner_map.manifest.json").read_text("utf-8"))
    assert m["status"] == "ok" and m["ctkit_version"] == reports.__version__
    assert m["parameters"]["given"] == {"focal": "ESP", "start": "2022-06-01", "freq": "Q",
                                        "min_mentions": 2}
    assert m["parameters"]["effective"]["data_dir"] == str(corpus_dir.resolve())
    assert m["parameters"]["effective"]["outlets"] is None
    data = m["input"]["files"]["articles.parquet"]
    assert data["sha256"] == hashlib.sha256((corpus_dir / "articles.parquet").read_bytes()) \
        .hexdigest()
    world = ROOT / "ctkit/data/world.geojson"
    assert m["data_files"]["world.geojson"]["sha256"] == \
        hashlib.sha256(world.read_bytes()).hexdigest()
    source = ROOT / "notebooks/partner_map.ipynb"
    assert m["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["started"])
    assert "--notebook partner_map" in m["reproduce"] and "-p focal ESP" in m["reproduce"]
    assert m["versions"]["papermill"] and m["versions"]["pandas"]


def test_parameters_reach_the_notebook_typed(report_run):
    nb = nbformat.read(report_run["run"] / "partner_map.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "min_mentions = 2\n" in injected.source and 'focal = "ESP"' in injected.source
    partners = reports.read_records(nb)["partners"]
    assert "MAR" in set(partners["iso3"]) and "ESP" not in set(partners["iso3"])
    assert (partners["mentions"] >= 2).all()
    facts = reports.read_records(report_run["run"] / "overview.ipynb")["facts"]
    first = facts.loc[facts["fact"] == "first date", "value"].iloc[0]
    assert first >= "2022-06-01"


def test_reports_embed_plotly_once_and_hide_code(report_run):
    from plotly.offline import get_plotlyjs

    bundle = len(get_plotlyjs())
    for name in ("partner_map", "overview"):
        page = (report_run["run"] / f"{name}.html").read_text("utf-8")
        book = (report_run["run"] / f"{name}.ipynb").read_text("utf-8")
        assert page.count(PLOTLY_BANNER) == 1 and book.count(PLOTLY_BANNER) == 1
        assert "notebook_parameters(globals())" not in page
        # plotly.js once, plus figures (the map carries its country shapes, ~1 MB)
        assert len(book) < bundle + 2_500_000, (name, len(book))
        assert len(page) < bundle + 2_800_000, (name, len(page))


def test_failed_notebook_is_written_with_its_error(corpus_dir, tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir: str = "x"  # corpus\nmin_mentions: int = 1')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fails <on purpose>"), params,
                nbformat.v4.new_code_cell('raise ValueError("boom")')]
    nbformat.write(nb, folder / "broken.ipynb")
    out = tmp_path / "r"
    with pytest.raises(RuntimeError, match=r"1 of 1 notebooks failed: broken \(ValueError: boom"):
        reports.run_reports(corpus_dir, out=out, notebook_dir=folder, quiet=True,
                            params={"min_mentions": 3})
    run = out / "synthetic_min_mentions-3"
    m = json.loads((run / "broken.manifest.json").read_text("utf-8"))
    assert m["status"] == "failed" and m["error"] == "ValueError: boom"
    assert "boom" in (run / "broken.html").read_text("utf-8")
    index = (out / "index.html").read_text("utf-8")
    assert "Fails &lt;on purpose&gt;" in index and 'class="failed"' in index


# -- in a browser, with the network cut off ------------------------------------------------------
def test_report_draws_offline_in_chromium(report_run):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import _browser

    reason = _browser.skip_reason()
    if reason:
        pytest.skip(reason)
    with _browser.browser() as b:
        with _browser.open_page(b, report_run["run"] / "partner_map.html") as (page, log):
            figs = _browser.drawn(page)
            assert figs and figs[0]["choropleth"] > 150, figs
            assert page.locator("table.ctkit-table").count() >= 2
            assert log.errors == [] and log.blocked == []
        with _browser.open_page(b, report_run["run"] / "overview.html") as (page, log):
            figs = _browser.drawn(page)
            assert len(figs) == 2 and all(f["traces"] > 0 and f["points"] > 0 for f in figs)
            assert log.errors == [] and log.blocked == []


def test_an_unchanged_report_is_kept_unless_forced(report_run, corpus_dir, capsys):
    manifest = report_run["run"] / "partner_map.manifest.json"
    before = manifest.read_text("utf-8")
    params = {"focal": "ESP", "start": "2022-06-01", "freq": "Q", "min_mentions": "2"}
    reports.run_reports(corpus_dir, out=report_run["out"], params=params,
                        notebooks=["partner_map"], force=False)
    assert "partner_map is up to date" in capsys.readouterr().err
    assert manifest.read_text("utf-8") == before
    reports.run_reports(corpus_dir, out=report_run["out"], params={**params, "freq": "M"},
                        notebooks=["partner_map"], force=False, quiet=True)
    assert "up to date" not in capsys.readouterr().err  # other parameters: a new run


# -- reading and sampling for large corpora (issue 7) --------------------------------------------
def test_scoped_corpus_reads_only_the_notebook_columns(corpus_dir, capsys):
    params = {"data_dir": str(corpus_dir), "start": None, "end": None, "outlets": None,
              "languages": None}
    narrow = reports.scoped_corpus(params)
    assert list(narrow.articles.columns) == reports.NOTEBOOK_COLUMNS["articles"]
    assert narrow.entities.empty and "surface" not in narrow.countries
    full = reports.scoped_corpus(params, columns=None, text=True)
    assert "text" in full.articles and "surface" in full.countries
    assert "text" in reports.scoped_corpus(params, text=True).articles
    filtered = reports.scoped_corpus({**params, "start": "2023-01-01"})
    assert 0 < len(filtered.articles) < len(narrow.articles)
    assert set(filtered.countries["article_id"]) <= set(filtered.articles["article_id"])
    assert "articles in scope" in capsys.readouterr().out


def test_scoped_corpus_reads_only_the_tables_named(corpus_dir, capsys):
    params = {"data_dir": str(corpus_dir), "start": "2023-01-01"}
    some = reports.scoped_corpus(params, tables=["articles", "countries"])
    assert some.events.empty and some.engagement.empty and not some.countries.empty
    pd.testing.assert_frame_equal(some.countries, reports.scoped_corpus(params).countries)
    with pytest.raises(ValueError, match="articles"):
        reports.scoped_corpus(params, tables=["countries"])


def test_outlet_terms_reads_the_sampled_texts_from_data_dir_with_the_same_result(corpus_dir,
                                                                                 capsys):
    params = {"data_dir": str(corpus_dir), "start": "2023-01-01"}
    loaded = reports.scoped_corpus(params, text=True).articles
    narrow = reports.scoped_corpus(params).articles
    for per_outlet in (None, 5):
        want = reports.outlet_terms(loaded, top=5, min_count=1, per_outlet=per_outlet)
        got = reports.outlet_terms(narrow, top=5, min_count=1, per_outlet=per_outlet,
                                   data_dir=corpus_dir)
        pd.testing.assert_frame_equal(got, want)
    with pytest.raises(ValueError, match="data_dir"):
        reports.outlet_terms(narrow)


def test_article_texts_keeps_the_index_and_gives_na_for_unknown_ids(corpus_dir):
    ids = pd.Series(["a057", "zzz", "a000"], index=[7, 8, 9])
    texts = reports._article_texts(corpus_dir, ids, batch=1)
    full = reports.scoped_corpus({"data_dir": str(corpus_dir)}, text=True,
                                 quiet=True).articles.set_index("article_id")["text"]
    assert list(texts.index) == [7, 8, 9] and pd.isna(texts[8])
    assert texts[7] == full["a057"] and texts[9] == full["a000"]


def test_one_article_reads_every_table_row_of_that_article(corpus_dir):
    import pyarrow.parquet as pq

    for aid in ("a000", "a057", "a119", "zzz"):
        got = reports.one_article(corpus_dir, aid)
        for name, df in got.items():
            want = pq.read_table(corpus_dir / f"{name}.parquet",
                                 filters=[("article_id", "==", aid)]).to_pandas()
            pd.testing.assert_frame_equal(df, schema.conform(name, want))


def test_outlet_terms_is_exact_when_small_and_samples_per_outlet_when_large(capsys):
    arts = synthetic_corpus(120).articles
    exact = reports.outlet_terms(arts, top=5)
    assert "from all 120 articles" in capsys.readouterr().out
    pd.testing.assert_frame_equal(exact, reports.outlet_terms(arts, top=5, per_outlet=None))
    capsys.readouterr()
    sampled = reports.outlet_terms(arts, top=5, per_outlet=10, seed=1)
    assert "sample of 40 of the 120 articles" in capsys.readouterr().out  # 4 outlets x 10
    again = reports.outlet_terms(arts, top=5, per_outlet=10, seed=1)
    pd.testing.assert_frame_equal(sampled, again)  # seeded: the same sample every run
    with pytest.raises(ValueError, match="per_outlet"):
        reports.outlet_terms(arts, per_outlet=0)
