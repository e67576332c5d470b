from ctkit import schema
from ctkit.corpus import Corpus
from ctkit.evaluate import PRF, norm, score


def test_prf_counts_sets():
    p = PRF()
    assert not p.add_sets({"MAR", "ESP"}, {"MAR", "FRA"})
    assert (p.tp, p.fp, p.fn) == (1, 1, 1) and p.f1 == 0.5


def test_score_ignores_optional_countries_and_compares_metadata():
    arts = schema.conform("articles", [{"article_id": "a", "source": "x.txt", "title": "T!",
                                        "outlet": "Le Matin", "language": "fr", "text": "b"}])
    cs = schema.conform("countries", [{"article_id": "a", "iso3": i, "role": "partner"}
                                      for i in ("MAR", "ESP", "COG")])
    truth = [{"source": "x.txt", "title": "t", "outlet": "le matin.", "language": "fr",
              "published": None, "countries": ["MAR", "ESP", "FRA"],
              "countries_optional": ["COG"], "body": "b"}]
    s = score(Corpus(articles=arts, countries=cs), truth)["all"]
    assert (s["countries"]["tp"], s["countries"]["fp"], s["countries"]["fn"]) == (2, 0, 1)
    assert s["title"]["recall"] == 1.0 and s["outlet"]["recall"] == 1.0
    assert norm("  L'Économiste ") == "l économiste"
