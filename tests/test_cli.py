import subprocess
import sys

import ctkit


def _run(*args):
    return subprocess.run([sys.executable, "-m", "ctkit.cli", *args], capture_output=True,
                          text=True)


def test_parse_writes_tables_and_a_one_line_summary(mixed_inputs, tmp_path):
    out = tmp_path / "out"
    r = _run("parse", str(mixed_inputs), "--out", str(out), "--engine", "local")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("parsed 5 articles") and "3 documents in errors" in r.stdout
    corpus = ctkit.load(out, text=True)
    assert len(corpus.articles) == 5 and corpus.validate()


def test_missing_input_and_bad_option_exit_nonzero_with_one_line(tmp_path):
    r = _run("parse", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not found" in r.stderr
    r = _run("parse", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "spark")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = _run("parse", str(tmp_path), "--out", str(tmp_path / "o"), "--focal", "morocco")
    assert r.returncode == 2 and "ISO3" in r.stderr


def test_unwritable_output_is_a_clear_error(mixed_inputs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = _run("parse", str(mixed_inputs), "--out", str(blocker / "out"), "--engine", "local")
    assert r.returncode == 2 and "not writable" in r.stderr and "Traceback" not in r.stderr


def test_incremental_with_other_options_says_so_in_one_line_and_parses_all(mixed_inputs,
                                                                          tmp_path):
    out = tmp_path / "out"
    assert _run("parse", str(mixed_inputs), "--out", str(out), "--engine", "local").returncode == 0
    r = _run("parse", str(mixed_inputs), "--out", str(out), "--engine", "local", "--focal",
             "ESP", "--incremental")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"ctkit: warning: --incremental: the output in {out} is not reused, it was made with "
        "other options (focal); every file is parsed"]
    assert set(ctkit.load(out).countries.query("role == 'focal'")["iso3"]) == {"ESP"}


def test_incremental_summary_says_how_many_files_were_reused(mixed_inputs, tmp_path):
    import json

    out = tmp_path / "out"
    assert _run("parse", str(mixed_inputs), "--out", str(out), "--engine", "local").returncode == 0
    n = sum(json.loads((out / "_ctkit.json").read_text("utf-8"))["files"].values())
    (mixed_inputs / "009_new.txt").write_text(
        "New story\nMorocco and Portugal signed a security cooperation agreement in Lisbon, "
        "the interior ministry said.\n", "utf-8")
    r = _run("parse", str(mixed_inputs), "--out", str(out), "--engine", "local",
             "--incremental")
    assert r.returncode == 0 and r.stderr == ""
    assert f"; {n} of {n + 1} input files reused; tables in {out}" in r.stdout
    assert json.loads((out / "_ctkit.json").read_text("utf-8"))["files"] == {
        "parsed": 1, "reused": n}
