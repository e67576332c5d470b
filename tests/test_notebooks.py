"""The report notebooks: run by papermill on the sample corpus with non-default parameters.

`pytest --nbval-lax --nbval-current-env notebooks/` separately re-runs the committed
notebooks and compares the cells marked ``# NBVAL_CHECK_OUTPUT`` with their committed outputs.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ctkit import reports

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("engagement_over_time", "outlet_coverage", "overview", "partner_map")
SHARED = {"data_dir": "str", "focal": "str", "start": "str | None", "end": "str | None",
          "outlets": "list[str] | None", "languages": "list[str] | None", "min_mentions": "int",
          "freq": "str", "static_dir": "str | None"}


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The parsed sample: data/processed/sample when `make` wrote it, else parsed here."""
    made = ROOT / "data" / "processed" / "sample"
    if (made / "articles.parquet").exists():
        return made
    out = tmp_path_factory.mktemp("processed") / "sample"
    request.getfixturevalue("sample_corpus").to_parquet(out)
    return out


@pytest.fixture(scope="module")
def window(sample_data: Path) -> tuple[str, str]:
    """A date range strictly inside the sample's: its 25th to 75th percentile."""
    import ctkit

    dates = ctkit.load(sample_data, tables=["articles"]).articles["published"].dropna()
    lo, hi = dates.quantile(0.25), dates.quantile(0.75)
    return lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def nondefault(sample_data: Path, window: tuple[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every notebook run once with non-default parameters, given as command-line strings."""
    out = tmp_path_factory.mktemp("reports")
    params = {"focal": "ESP", "start": window[0], "end": window[1], "freq": "Q",
              "min_mentions": "3", "languages": "fr,en"}
    failed = None
    try:
        reports.run_reports(sample_data, out=out, params=params, run="nondefault", quiet=True)
    except RuntimeError as exc:  # each test below names the notebook that failed
        failed = str(exc)
    run = out / "nondefault"
    return {"run": run, "failed": failed, "records": {
        n: reports.read_records(run / f"{n}.ipynb") for n in NAMES
        if (run / f"{n}.ipynb").exists()}}


def _ok(nondefault: dict, name: str) -> dict[str, pd.DataFrame]:
    manifest = json.loads((nondefault["run"] / f"{name}.manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok", manifest["error"]
    return nondefault["records"][name]


def test_focal_changes_the_partner_table(nondefault):
    partners = _ok(nondefault, "partner_map")["partners"]
    assert len(partners) > 0
    assert "MAR" in set(partners["iso3"]) and "ESP" not in set(partners["iso3"])
    assert (partners["mentions"] >= 3).all()
    pairs = nondefault["records"]["partner_map"]["pairs"]
    assert "ESP" not in set(pairs["iso3_a"]) | set(pairs["iso3_b"])


def test_date_range_and_languages_filter_the_overview(nondefault, window, sample_data):
    import ctkit

    records = _ok(nondefault, "overview")
    facts = dict(zip(records["facts"]["fact"], records["facts"]["value"], strict=True))
    assert window[0] <= facts["first date"] <= facts["last date"] <= window[1]
    total = len(ctkit.load(sample_data, tables=["articles"]).articles)
    assert 0 < facts["articles"] < total
    assert facts["undated articles"] == 0  # a date range keeps only dated articles
    assert set(records["languages"]["language"]) <= {"fr", "en"}
    assert records["outlets"]["articles"].sum() == facts["articles"]


def test_engagement_counts_by_quarter_for_the_chosen_focal(nondefault, window):
    records = _ok(nondefault, "engagement_over_time")
    by_partner = records["cooperation_by_partner"]
    assert "ESP" not in set(by_partner["iso3"])
    periods = pd.to_datetime(by_partner["period"])
    assert periods.dt.month.isin([1, 4, 7, 10]).all() and (periods.dt.day == 1).all()
    first_quarter = pd.Timestamp(window[0]).to_period("Q").start_time
    assert (periods >= first_quarter).all()
    by_type = records["cooperation_by_type"]
    assert (by_type["events"] >= 0).all() and by_type["type"].notna().all()
    audience = records["audience"]
    assert set(audience["metric"]) >= {"any"}
    assert (audience["articles_with_counters"] <= audience["articles"]).all()


def test_outlet_coverage_follows_the_parameters(nondefault):
    records = _ok(nondefault, "outlet_coverage")
    coverage = records["coverage"]
    assert len(coverage) > 0 and "ESP" not in set(coverage["iso3"])
    kept = set(nondefault["records"]["partner_map"]["partners"]["iso3"])
    assert set(coverage["iso3"]) <= kept  # min_mentions applies here too
    voice = records["share_of_voice"]
    assert abs(voice["share"].sum() - 1) < 1e-3
    assert set(records["terms"]["group"]) <= set(voice["outlet"])


def test_outlets_parameter_keeps_one_outlet(sample_data, tmp_path):
    import ctkit

    articles = ctkit.load(sample_data, tables=["articles"]).articles
    outlet = articles["outlet"].value_counts().index[0]
    reports.run_reports(sample_data, out=tmp_path, notebooks=["overview"], run="one",
                        params={"outlets": json.dumps([outlet])}, quiet=True)
    records = reports.read_records(tmp_path / "one" / "overview.ipynb")
    assert records["outlets"]["outlet"].tolist() == [outlet]
    assert records["outlets"]["articles"].tolist() == [int((articles["outlet"] == outlet).sum())]


def test_unknown_parameter_stops_a_papermill_run_with_one_sentence(sample_data, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with reports._current_python_kernel() as kernel_class, \
            pytest.raises(PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(NOTEBOOKS / "overview.ipynb"), str(tmp_path / "out.ipynb"),
            parameters={"data_dir": str(sample_data), "fcal": "ESP"},
            kernel_name=reports.KERNEL_NAME, progress_bar=False,
            kernel_manager_class=kernel_class)
    assert err.value.evalue.startswith("Unknown parameter 'fcal' (did you mean 'focal'?)")
    assert err.value.traceback == [f"ParameterError: {err.value.evalue}"]


# -- the committed notebooks ---------------------------------------------------------------------
def _committed(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_notebook_set_is_complete():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_is_typed_and_validated_next(name):
    nb = _committed(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    declared = reports.inspect_parameters(code[0].source)
    assert {k: v[0] for k, v in declared.items()} == SHARED
    assert all(help_ for _, _, help_ in declared.values()), "every parameter has a comment"
    assert "notebook_parameters(globals())" in code[1].source
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_committed_with_small_deterministic_outputs(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = _committed(name)
    text = path.read_text("utf-8")
    assert path.stat().st_size < 400_000
    assert "plotly.js v" not in text and "papermill" not in nb.metadata
    assert str(ROOT) not in text, "no path of this machine in the committed outputs"
    checked = [c for c in nb.cells if c.cell_type == "code"
               and c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert checked
    for cell in checked:
        assert cell.execution_count and cell.outputs, cell.source[:60]
        assert all(o.output_type != "error" for o in cell.outputs)
    assert reports.read_records(nb), "key tables are recorded"
