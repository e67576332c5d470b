"""DESIGN.md §3 invariants and the engines."""
import pandas as pd
import pytest

import ctkit
from ctkit.ingest import expand

NEW_PAGE = ("New story\nLe Maroc et le Portugal ont signé un accord de coopération sécuritaire "
            "à Lisbonne, a annoncé le ministère de l'Intérieur.\n")


def _parsed_from_now_on(monkeypatch):
    """The sources of the documents parsed from now on (not those an incremental run reuses)."""
    from ctkit import pipeline

    seen = []
    real = pipeline.extract
    monkeypatch.setattr(pipeline, "extract", lambda doc, **kw: seen.append(doc.source)
                        or real(doc, **kw))
    return seen


def _inputs_accounted_for(corpus, folder):
    sources = {s for _, s in expand([folder])}
    seen = set(corpus.articles["source"].str.split("#").str[0])
    seen |= set(corpus.errors.loc[corpus.errors["severity"] == "error", "source"]
                .str.split("#").str[0])
    return sources - seen


def test_every_input_is_in_articles_or_errors(mixed_inputs):
    corpus = ctkit.parse(mixed_inputs, engine="local")
    assert not _inputs_accounted_for(corpus, mixed_inputs)
    errs = corpus.errors
    assert set(errs.loc[errs["severity"] == "error", "source"].str.rsplit("/", n=1).str[-1]) == {
        "004_empty.txt", "005_image.txt", "007_export.jsonl#L2"}
    assert len(corpus.articles) == 5


def test_offsets_slice_text_to_surface(mixed_inputs):
    corpus = ctkit.parse(mixed_inputs, engine="local")
    corpus = ctkit.Corpus(**{**corpus.tables()})
    text = corpus.articles.set_index("article_id")["text"]
    for table in (corpus.countries, corpus.entities):
        for aid, s, e, surface in zip(table["article_id"], table["start"], table["end"],
                                      table["surface"], strict=True):
            assert text[aid][s:e] == surface


def test_extracts_what_the_pages_say(mixed_inputs):
    corpus = ctkit.parse(mixed_inputs, engine="local")
    arts = corpus.articles.set_index(corpus.articles["source"].str.rsplit("/", n=1).str[-1])
    en = arts.loc["001_en.txt"]
    assert (en["title"], en["outlet"], str(en["published"].date()), en["language"]) == (
        "Morocco and Spain dismantle a cell", "Atlas Daily News", "2023-03-14", "en")
    assert "Read also" not in en["text"] and "Leave a comment" not in en["text"]
    assert arts.loc["002_fr.txt", "language"] == "fr"
    assert arts.loc["003_ar.txt", "language"] == "ar"
    exp = arts.loc["007_export.jsonl#L1"]
    assert (exp["outlet"], str(exp["published"].date())) == ("Le Courrier", "2022-05-01")
    iso = corpus.countries.groupby("article_id")["iso3"].agg(lambda s: sorted(set(s)))
    assert iso[en["article_id"]] == ["ESP", "MAR"]
    assert iso[arts.loc["003_ar.txt", "article_id"]] == ["ESP", "MAR"]
    eng = corpus.engagement.set_index(["article_id", "metric"])["value"]
    assert eng[(en["article_id"], "comments")] == 2


def test_same_input_same_tables_and_engines_agree(mixed_inputs):
    a = ctkit.parse(mixed_inputs, engine="local")
    b = ctkit.parse(mixed_inputs, engine="process", workers=2)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])


def test_identical_files_keep_distinct_ids_and_are_linked_as_duplicates(tmp_path):
    page = ("Title of a story\n" + "Morocco and Spain signed a security accord in Rabat today "
            "to share information on suspects and train officers together. " * 6)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(page, "utf-8")
    arts = ctkit.parse(tmp_path, engine="local").articles
    assert arts["article_id"].is_unique
    assert arts.loc[1, "duplicate_of"] == arts.loc[0, "article_id"]


def test_a_page_is_read_the_same_whatever_its_file_name(mixed_inputs, tmp_path):
    """A "#" in a file name (scrapers keep URL fragments) does not make a page an export
    record, whose header lines would be kept as body."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("page.txt", "page#2.txt", "page #L3.txt"):
        (pages / name).write_bytes((mixed_inputs / "001_en.txt").read_bytes())
    arts = ctkit.parse(pages, engine="local").articles
    assert len(arts) == 3
    assert arts["text"].nunique() == 1 and arts["title"].nunique() == 1
    assert not arts["text"].iloc[0].startswith(arts["title"].iloc[0])


def test_copies_in_other_chunks_get_the_same_ids_as_in_one_chunk(tmp_path):
    """Workers guess the final id (the digest); the parent renames later copies, events too."""
    from ctkit.options import Options

    page = ("Title of a story\n" + "Morocco and Spain signed a security accord in Rabat today "
            "to share information on suspects and train officers together. " * 6)
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(page, "utf-8")
    (tmp_path / "d.txt").write_text(page.replace("Spain", "France"), "utf-8")
    one = ctkit.parse(tmp_path, engine="local")
    split = ctkit.parse(tmp_path, options=Options(engine="process", workers=2, chunk_size=1))
    for name in one.tables():
        pd.testing.assert_frame_equal(one.tables()[name], split.tables()[name])
    assert one.articles["article_id"].is_unique
    assert set(one.events["article_id"]) == set(one.articles["article_id"])
    assert (one.events["event_id"].str.rsplit("-", n=1).str[0] == one.events["article_id"]).all()


def test_manifest_values_win(mixed_inputs, tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("file,outlet,published,url\n001_en.txt,Manifest Outlet,2020-02-02,"
                 "https://x.com/a\n", "utf-8")
    arts = ctkit.parse(mixed_inputs, manifest=m, engine="local").articles
    row = arts[arts["source"].str.endswith("001_en.txt")].iloc[0]
    assert (row["outlet"], str(row["published"].date()), row["url"]) == (
        "Manifest Outlet", "2020-02-02", "https://x.com/a")


def test_file_index_holds_each_files_hash_as_stored(mixed_inputs, tmp_path):
    """Workers take a file's hash from the bytes they read when those are the file as stored
    (no second read); a gzipped, binary, empty, export or HTML file gets the same hash."""
    import gzip

    import pyarrow.parquet as pq

    from ctkit import pipeline

    (mixed_inputs / "008_gz.txt").write_bytes(gzip.compress((mixed_inputs / "001_en.txt")
                                                            .read_bytes()))
    (mixed_inputs / "009_page.html").write_text(
        "<html><head><title>Rabat et Dakar</title></head><body><article><p>"
        + "Le Maroc et le Sénégal renforcent leur coopération sécuritaire. " * 8
        + "</p></article></body></html>", "utf-8")
    out = tmp_path / "out"
    pipeline.parse_to(out, mixed_inputs, options=ctkit.Options(engine="local"))
    files = pq.read_table(out / pipeline.Previous.FILES).to_pandas()
    assert len(files) == 9
    for source, got in zip(files["source"], files["digest"], strict=True):
        assert got == pipeline.file_digest(mixed_inputs / source), source


def test_incremental_run_parses_only_new_files_and_equals_a_full_run(mixed_inputs, tmp_path,
                                                                      monkeypatch):
    from ctkit import pipeline

    out, full = tmp_path / "inc", tmp_path / "full"
    pipeline.parse_to(out, mixed_inputs, options=ctkit.Options(engine="local"))
    (mixed_inputs / "008_new.txt").write_text(NEW_PAGE, "utf-8")
    seen = _parsed_from_now_on(monkeypatch)
    pipeline.parse_to(out, mixed_inputs, options=ctkit.Options(engine="local"),
                      incremental=True)
    assert [s.rsplit("/", 1)[-1] for s in seen] == ["008_new.txt"]
    pipeline.parse_to(full, mixed_inputs, options=ctkit.Options(engine="local"))
    a, b = ctkit.load(out, text=True), ctkit.load(full, text=True)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])


def test_incremental_run_with_copies_exports_and_small_chunks_equals_a_full_run(
        mixed_inputs, tmp_path, monkeypatch):
    """Reused rows keep their ids, copies theirs (renamed by the parent as in a full run), an
    export's records stay together, and the stored MinHash stands in for hashing the reused
    bodies again. The previous output's row groups (chunks of 3) do not line up with this
    run's chunks (of 2), and file names hold a "#" like the source of an export's record."""
    import json

    from ctkit import pipeline

    page = (mixed_inputs / "001_en.txt").read_text("utf-8")
    (mixed_inputs / "000_copy.txt").write_text(page, "utf-8")
    rec = {"url": "https://example.ma/b", "title": "Le Maroc et l'Espagne", "language": "fr",
           "text": "Le Maroc et l'Espagne ont démantelé une cellule terroriste à Tanger. " * 8}
    (mixed_inputs / "009_export#2.jsonl").write_text(
        json.dumps(rec) + "\n" + json.dumps({**rec, "url": "https://example.ma/c"}) + "\n",
        "utf-8")
    (mixed_inputs / "0012_note#1.txt").write_text(page.replace("Spain", "Italy"), "utf-8")
    opts = ctkit.Options(engine="local", chunk_size=2)
    out, full = tmp_path / "inc", tmp_path / "full"
    pipeline.parse_to(out, mixed_inputs, options=opts.with_(chunk_size=3))
    assert len(pd.read_parquet(out / pipeline.Previous.MINHASH)) == len(ctkit.load(out).articles)
    (mixed_inputs / "0015_new.txt").write_text(page.replace("Spain", "Portugal"), "utf-8")
    (mixed_inputs / "008_copy.txt").write_text(page, "utf-8")
    hashed = []
    real = pipeline.fingerprint
    monkeypatch.setattr(pipeline, "fingerprint", lambda text, **kw: hashed.append(text)
                        or real(text, **kw))
    pipeline.parse_to(out, mixed_inputs, options=opts, incremental=True)
    assert len(hashed) == 1  # the new file; reused articles, and the new copy, bring theirs
    pipeline.parse_to(full, mixed_inputs, options=opts)
    a, b = ctkit.load(out, text=True), ctkit.load(full, text=True)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])
    arts = a.articles
    assert arts["article_id"].is_unique
    assert (arts["article_id"] != arts["content_hash"]).sum() == 2  # the two later copies
    assert arts["duplicate_of"].notna().sum() == 1  # the export's second record
    assert arts["source"].str.endswith("0012_note#1.txt").sum() == 1
    assert arts["source"].str.contains("009_export#2.jsonl#", regex=False).sum() == 2
    for side in (pipeline.Previous.FILES, pipeline.Previous.MINHASH):
        pd.testing.assert_frame_equal(pd.read_parquet(out / side), pd.read_parquet(full / side))


def test_incremental_run_reuses_files_by_content_under_new_names(mixed_inputs, tmp_path,
                                                                  monkeypatch):
    """A moved folder, a renamed export (its records keep their suffix) and a file that now
    holds another file's old bytes are reused with their new names, as a full parse names them."""
    import json
    import shutil

    from ctkit import pipeline
    from ctkit.corpus import MANIFEST

    rec = {"url": "https://example.ma/b", "title": "Le Maroc et l'Espagne", "language": "fr",
           "text": "Le Maroc et l'Espagne ont démantelé une cellule terroriste à Tanger. " * 8}
    (mixed_inputs / "009_export.jsonl").write_text(
        json.dumps(rec) + "\n{broken\n" + json.dumps({**rec, "url": "https://x.ma/c"}) + "\n",
        "utf-8")
    opts = ctkit.Options(engine="local", chunk_size=2)
    out, full = tmp_path / "inc", tmp_path / "full"
    pipeline.parse_to(out, mixed_inputs, options=opts)
    moved = tmp_path / "moved"
    shutil.move(mixed_inputs, moved)
    (moved / "009_export.jsonl").rename(moved / "010_renamed.jsonl")
    (moved / "002_fr.txt").write_bytes((moved / "003_ar.txt").read_bytes())
    (moved / "011_new.txt").write_text(NEW_PAGE, "utf-8")
    seen = _parsed_from_now_on(monkeypatch)
    tally = pipeline.parse_to(out, moved, options=opts, incremental=True)
    assert [s.rsplit("/", 1)[-1] for s in seen] == ["011_new.txt"]
    pipeline.parse_to(full, moved, options=opts)
    a, b = ctkit.load(out, text=True), ctkit.load(full, text=True)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])
    assert b.articles["source"].str.contains("010_renamed.jsonl#L3").any()
    assert b.errors["source"].str.endswith("010_renamed.jsonl#L2").any()
    assert json.loads((out / MANIFEST).read_text())["files"] == {"parsed": 1, "reused": 8}
    assert tally["articles"] == len(b.articles)


def test_incremental_run_reuses_rows_only_from_the_same_code_and_options(mixed_inputs,
                                                                         tmp_path, monkeypatch):
    """Rows made with another focal country (or by other code) are not the rows this run would
    make: nothing is reused, the run says why, and the tables equal a full run's. Where and in
    what chunks the parse ran does not matter."""
    from ctkit import pipeline

    out, full = tmp_path / "inc", tmp_path / "full"
    pipeline.parse_to(out, mixed_inputs, options=ctkit.Options(engine="local"))
    opts = ctkit.Options(engine="local", focal="ESP")
    assert pipeline.Previous.unusable(out, options=opts) == (
        "it was made with other options (focal)")
    assert pipeline.Previous.unusable(out, options=ctkit.Options(
        engine="process", workers=2, chunk_size=7)) is None
    with pytest.warns(UserWarning, match="not reused, it was made with other options"):
        pipeline.parse_to(out, mixed_inputs, options=opts, incremental=True)
    pipeline.parse_to(full, mixed_inputs, options=opts)
    a, b = ctkit.load(out, text=True), ctkit.load(full, text=True)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])
    monkeypatch.setattr(pipeline, "code_fingerprint", lambda: "0123456789abcdef")
    assert pipeline.Previous.unusable(out, options=opts).startswith(
        "it was made by other ctkit code")


def test_incremental_run_with_a_manifest_reuses_only_with_the_same_values(mixed_inputs,
                                                                         tmp_path, monkeypatch):
    from ctkit import pipeline

    m = tmp_path / "m.csv"
    m.write_text("file,outlet\n001_en.txt,First Outlet\n", "utf-8")
    out, full = tmp_path / "inc", tmp_path / "full"
    opts = ctkit.Options(engine="local")
    pipeline.parse_to(out, mixed_inputs, options=opts, manifest=m)
    seen = _parsed_from_now_on(monkeypatch)
    pipeline.parse_to(out, mixed_inputs, options=opts, manifest=m, incremental=True)
    assert seen == []
    m.write_text("file,outlet\n001_en.txt,Second Outlet\n", "utf-8")
    with pytest.warns(UserWarning, match="other manifest values"):
        pipeline.parse_to(out, mixed_inputs, options=opts, manifest=m, incremental=True)
    assert len(seen) == 5  # every article (the other files are errors)
    pipeline.parse_to(full, mixed_inputs, options=opts, manifest=m)
    a, b = ctkit.load(out, text=True), ctkit.load(full, text=True)
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])
    assert "Second Outlet" in set(a.articles["outlet"])


def test_incremental_run_with_use_ner_auto_needs_the_same_models_installed(mixed_inputs,
                                                                          tmp_path, monkeypatch):
    """With use_ner auto the persons depend on the spaCy models installed: rows made while
    another model (or none) was installed are not reused."""
    from ctkit import pipeline

    out = tmp_path / "out"
    opts = ctkit.Options(engine="local", use_ner="auto", ner_models={"en": "no_such_model_xyz"})
    pipeline.parse_to(out, mixed_inputs, options=opts)
    assert pipeline.Previous.unusable(out, options=opts) is None
    monkeypatch.setattr(pipeline, "ner_versions",
                        lambda models, use_ner: {"en": "no-such-model-xyz 3.8.0"})
    assert pipeline.Previous.unusable(out, options=opts).startswith(
        "it was made with other spaCy models installed ({'en': None}")


def test_incremental_run_over_a_damaged_or_foreign_output_says_so_and_parses_all(
        mixed_inputs, tmp_path):
    """An earlier output that cannot be read (a truncated table) or that `ctkit parse` did not
    write (no input digests) is not reused: one warning, and the tables of a full run."""
    from ctkit import pipeline

    opts = ctkit.Options(engine="local")
    full = tmp_path / "full"
    pipeline.parse_to(full, mixed_inputs, options=opts)
    want = ctkit.load(full, text=True)
    damaged, foreign = tmp_path / "damaged", tmp_path / "foreign"
    pipeline.parse_to(damaged, mixed_inputs, options=opts)
    table = damaged / "countries.parquet"
    table.write_bytes(table.read_bytes()[:-100])
    want.to_parquet(foreign)
    for out, why in ((damaged, "cannot be read"), (foreign, "no input digests")):
        with pytest.warns(UserWarning, match=f"not reused, .*{why}.*every file is parsed"):
            pipeline.parse_to(out, mixed_inputs, options=opts, incremental=True)
        got = ctkit.load(out, text=True)
        for name in got.tables():
            pd.testing.assert_frame_equal(got.tables()[name], want.tables()[name])


def test_previous_row_index_groups_rows_by_key_in_any_order():
    """`Previous` finds each file's (or article's) rows through a sorted index; rows out of key
    order, and rows of no key (-1), are handled like a stable groupby."""
    import numpy as np

    from ctkit.pipeline import Previous

    rng = np.random.default_rng(7)
    for keys in (np.array([0, 0, 1, 3, 3, 3]), np.array([-1, -1, 2, 2, 4, 5, 5, 5]),
                 rng.integers(-1, 6, 40), np.sort(rng.integers(-1, 6, 40)), np.array([2, 1]),
                 np.zeros(0, int)):
        keys = keys.astype(np.int64)
        for parts in (1, 3, 7):  # the keys come in batches: order is checked across them too
            groups = Previous._group(lambda k=keys, n=parts: iter(np.array_split(k, n)), 6)
            assert (groups[0] is None) == bool((np.diff(keys) >= 0).all())
            for want in ([3, 0], [5], [1, 2, 4], list(range(6)), []):
                expect = [i for k in want for i in np.flatnonzero(keys == k)]
                assert Previous._take(groups, np.array(want, dtype=np.int64)).tolist() == expect


def test_up_to_date_only_for_the_same_inputs_and_code(mixed_inputs, tmp_path):
    from ctkit import pipeline

    out = tmp_path / "out"
    opts = ctkit.Options(engine="local")
    assert not pipeline.up_to_date(out, mixed_inputs, options=opts)
    pipeline.parse_to(out, mixed_inputs, options=opts)
    assert pipeline.up_to_date(out, mixed_inputs, options=opts)
    assert not pipeline.up_to_date(out, mixed_inputs, options=opts.with_(focal="ESP"))
    (mixed_inputs / "001_en.txt").write_text("Changed\n", "utf-8")
    assert not pipeline.up_to_date(out, mixed_inputs, options=opts)


def test_first_seen_index_keeps_the_first_value_across_merges():
    """The parent's compact band index (dict + sorted numpy arrays) acts like dict.setdefault."""
    import random

    from ctkit.pipeline import _FirstSeen

    index, ref = _FirstSeen(flush=100), {}
    rnd = random.Random(0)
    keys = [rnd.getrandbits(64) for _ in range(2000)] + [0, 1, 2**63, 2**64 - 1]
    new = [rnd.getrandbits(64) for _ in range(1000)]
    # repeats: far apart, and close (within one prefetched batch, as in one chunk)
    stream = keys + keys[::3] + [k for i, key in enumerate(new)
                                     for k in (key, new[max(i - 9, 0)])]
    for i, k in enumerate(stream):
        if i % 37 == 0:  # as the parent does per chunk: merges happen between and within
            index.prefetch(stream[i:i + 37] + [rnd.getrandbits(64)])
        assert index.setdefault(k, i) == ref.setdefault(k, i)
    assert len(index.keys) >= 2000  # most keys now live in the sorted arrays
    assert all(index.get(k) == ref[k] for k in keys)
    assert all(index.get(rnd.getrandbits(64)) is None for _ in range(500))
    index.prefetch(keys[:50] + [5, 7])
    assert [index.get(k) for k in keys[:50] + [5, 7]] == [ref[k] for k in keys[:50]] + [None] * 2


def test_process_workers_are_forked_before_the_input_is_listed(mixed_inputs, tmp_path,
                                                               monkeypatch):
    """Forked workers would otherwise each carry a copy of the file list (a million names)."""
    import multiprocessing as mp

    from ctkit import pipeline

    alive_at_listing = []
    plan = pipeline.plan

    def spy(*args, **kwargs):
        alive_at_listing.append(len(mp.active_children()))
        return plan(*args, **kwargs)

    monkeypatch.setattr(pipeline, "plan", spy)
    opts = ctkit.Options(engine="process", workers=2)
    counts = pipeline.parse_to(tmp_path / "out", mixed_inputs, options=opts)
    assert alive_at_listing == [2] and counts["articles"] > 0
    files = pd.read_parquet(tmp_path / "out" / "_ctkit_files.parquet")
    assert list(files["source"]) == [s for _, s in expand([mixed_inputs])]


def test_minhash_estimates_the_jaccard_of_5_word_shingles():
    """The signature's estimate follows the exact Jaccard similarity of the two bodies'
    shingle sets (72 hash functions: about ±0.06 per pair), identical bodies get the same
    band keys, and the hash is stable (pinned: the side file of an output is reused by later
    runs, possibly on another machine)."""
    import random

    from ctkit.pipeline import Fingerprint, fingerprint

    rng = random.Random(7)
    vocab = [f"{rng.choice('bcdfglmnprst')}{rng.choice('aeiou')}{rng.choice('nrstl')}{i}"
             for i in range(3000)]

    def shingles(text):
        w = text.lower().split()
        return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}

    errors = []
    for _ in range(40):
        base = [rng.choice(vocab) for _ in range(400)]
        other = [w if rng.random() > rng.choice([0.01, 0.05, 0.1, 0.2, 0.4]) else
                 rng.choice(vocab) for w in base]
        a, b = " ".join(base), " ".join(other)
        exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
        errors.append(abs(fingerprint(a, min_words=50).similarity(fingerprint(b, min_words=50))
                          - exact))
    assert sum(errors) / len(errors) < 0.055 and max(errors) < 0.2  # measured 0.044, 0.13
    text = " ".join(vocab[:300])
    same = fingerprint(text.upper(), min_words=50)  # shingles are lower-cased words
    assert same == fingerprint(text, min_words=50) and same.similarity(same) == 1.0
    assert fingerprint("Le Maroc et l'Espagne " * 30, min_words=50).bands[:2] == (
        11704774533619394110, 7296771382248690125)
    assert fingerprint(text, min_words=5000) == Fingerprint()


def test_near_duplicate_links_find_trimmed_copies_and_not_articles_sharing_a_paragraph(
        tmp_path):
    """A copy that lost its last paragraph and had a sentence changed (Jaccard of 5-word
    shingles 0.5-0.7) is linked to its original; an article that only shares one paragraph
    with another (Jaccard < 0.3) is not."""
    import random

    rng = random.Random(3)
    vocab = [f"{rng.choice('bdfgklmnprstv')}{rng.choice('aeiou')}{rng.choice('lnrst')}{i}"
             for i in range(4000)]

    def paragraph():
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(35, 60))) + "."

    def shingles(paras):
        w = " ".join(paras).lower().replace(".", "").split()
        return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}

    copies, others = {}, {}
    for k in range(12):
        paras = [paragraph() for _ in range(4)]
        copy = paras[:3]
        copy[1] = paragraph()[:80] + " " + copy[1][80:]
        twin = [paras[0], *(paragraph() for _ in range(3))]
        for name, body in ((f"{k:02d}a", paras), (f"{k:02d}b", copy), (f"{k:02d}c", twin)):
            (tmp_path / f"{name}.txt").write_text(f"Story {name}\n" + "\n".join(body), "utf-8")
        a, b, c = shingles(paras), shingles(copy), shingles(twin)
        copies[f"{k:02d}b"] = len(a & b) / len(a | b)
        others[f"{k:02d}c"] = len(a & c) / len(a | c)
    assert 0.5 < min(copies.values()) and max(copies.values()) < 0.75
    assert max(others.values()) < 0.3
    arts = ctkit.parse(tmp_path, engine="local").articles
    name = dict(zip(arts["article_id"], arts["source"].str[-7:-4], strict=True))
    linked = {name[a]: name.get(d) for a, d in zip(arts["article_id"], arts["duplicate_of"],
                                                  strict=True) if isinstance(d, str)}
    assert sum(linked.get(n) == n[:2] + "a" for n in copies) >= 11  # measured: 12 of 12
    assert not [n for n in others if n in linked]
