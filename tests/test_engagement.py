from ctkit.clean import clean
from ctkit.engagement import find_engagement, parse_count


def test_counts_in_three_scripts():
    assert parse_count("1,204 posts") == [1204]
    assert parse_count("1.2K views") == [1200]
    assert parse_count("شوهد ٥٤٠ مرة") == [540]


def test_page_counters_become_metrics_and_widgets_do_not():
    page = ("· 1,204 posts\nTitle of the article here\n"
            "The minister met his counterpart to discuss security cooperation and the exchange "
            "of information.\n0 0 3 0 1 0\n• 31\n1.2K views\nComments (4)\nLeave a comment\n")
    assert find_engagement(clean(page)) == {"comments": 4, "reactions": 4, "shares": 31,
                                            "views": 1200}


def test_no_counters_no_rows():
    page = "Title\nThe minister met his counterpart to discuss security cooperation today.\n"
    assert find_engagement(clean(page)) == {}
