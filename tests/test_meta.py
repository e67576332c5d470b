import datetime as dt

import pytest

from ctkit.clean import clean
from ctkit.dates import find_date, parse_date
from ctkit.meta import detect_language, find_meta


@pytest.mark.parametrize("text,expected", [
    ("sahelwatch14 مارس 2023آخر تحديث :", dt.date(2023, 3, 14)),
    ("Publié le 3 févr. 2021 à 10h", dt.date(2021, 2, 3)),
    ("Mar 14, 2023", dt.date(2023, 3, 14)),
    ("الثلاثاء ١٤ مارس ٢٠٢٣", dt.date(2023, 3, 14)),
    ("15 جوان 2022", dt.date(2022, 6, 15)),
    ("2 غشت 2020", dt.date(2020, 8, 2)),
    ("12 آذار 2021", dt.date(2021, 3, 12)),
    ("le 1er juillet 2019", dt.date(2019, 7, 1)),
    ("14/03/2023", dt.date(2023, 3, 14)),
])
def test_dates_in_three_languages(text, expected):
    assert find_date(text)[0] == expected


@pytest.mark.parametrize("text", ["Today, Thursday", "March 2024 meeting", "Jeudi", "اليوم"])
def test_relative_or_partial_dates_are_never_invented(text):
    assert find_date(text) is None


def test_given_values_win_over_the_page():
    page = "*Title on page*\n14 mars 2023\n" + "Le Maroc et l'Espagne coopèrent. " * 5
    meta = find_meta(clean(page), given={"title": "Given", "published": "2020-01-02"})
    assert meta.title == "Given" and meta.published == dt.date(2020, 1, 2)
    assert parse_date("not a date") is None


def test_language_of_bodies():
    fr = ("Le ministre a reçu son homologue pour évoquer la coopération sécuritaire et les "
          "échanges entre les deux pays dans la région.")
    assert detect_language(fr) == "fr"
    assert detect_language("The minister met his counterpart to discuss security cooperation "
                           "and the exchange of information in the region.") == "en"
    assert detect_language("استقبل وزير الداخلية نظيره الإسباني") == "ar"


def test_french_body_with_arabic_chrome_is_french():
    page = ("آخر تحديث : 14 مارس 2023\nLe Maroc et l'Espagne renforcent leur coopération\n"
            "Le ministre de l'Intérieur a reçu son homologue espagnol pour évoquer la coopération "
            "sécuritaire et les échanges d'informations entre les deux pays.\nاترك تعليقاً\n")
    meta = find_meta(clean(page), given={})
    assert meta.language == "fr" and meta.published == dt.date(2023, 3, 14)
    assert meta.title == "Le Maroc et l'Espagne renforcent leur coopération"
