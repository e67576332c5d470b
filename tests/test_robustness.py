"""Pathological text: no crash, no catastrophic backtracking, nothing of the body lost."""
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctkit.clean import clean
from ctkit.dates import find_date
from ctkit.meta import find_meta

ALPHABET = st.sampled_from(list("abcXYZ éàç المغربية 0123456789٠١٢ .,:;!?|•·*-–()«»\"'\n\t#@/"))
LINES = st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=400), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_clean_and_meta_never_crash_and_keep_every_prose_line(lines):
    page = "\n".join(lines)
    t0 = time.perf_counter()
    cleaned = clean(page)
    find_meta(cleaned, given={})
    assert time.perf_counter() - t0 < 5  # a budget, not a benchmark: catches runaway regexes
    body = set(cleaned.body.split("\n"))
    assert all(ln.text in body for ln in cleaned.lines if ln.kind == "body")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=3000))
def test_find_date_returns_a_real_date_or_none(text):
    found = find_date(text)
    assert found is None or 1990 <= found[0].year <= 2100


def test_adversarial_lines_stay_fast():
    nasty = ["1 " * 20000 + "x", "· " * 20000, "a | " * 10000, "(" * 5000 + "by x",
             "Read also: " + "x " * 30000, "المصدر: " + "ب " * 20000]
    for line in nasty:
        t0 = time.perf_counter()
        clean("Title\n" + line + "\n" + "Morocco and Spain cooperate on security today. " * 3)
        assert time.perf_counter() - t0 < 5, line[:20]
