"""Shared fixtures: a small mixed input folder, and the sample corpus (made once per session)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data/raw/sample"

EN_PAGE = """Home | World | Africa
*Morocco and Spain dismantle a cell*
Atlas Daily News
Mar 14, 2023
RABAT – Moroccan and Spanish police dismantled a terrorist cell in a joint operation, the DGST said on Tuesday, thanking the Guardia Civil for its cooperation.
Read also: Ghana hosts regional summit
The two countries signed a memorandum of understanding on information sharing last year.
Comments (2)
Leave a comment
"""
FR_PAGE = """الرئيسية | أخبار
Le Maroc et la Belgique renforcent leur coopération
الثلاثاء 14 مارس 2023 - 10:32
Le ministre de l'Intérieur a reçu son homologue belge à Rabat pour évoquer la coopération sécuritaire et l'échange d'informations entre les deux pays.
Les deux parties ont convenu de renforcer la formation des cadres de la police.
تعليقات (3)
اترك تعليقاً
"""
AR_PAGE = """هسبريس
المغرب وإسبانيا يفككان خلية إرهابية
تمكنت المصالح الأمنية المغربية والإسبانية، في عملية مشتركة، من تفكيك خلية إرهابية تنشط في مدينتي طنجة ومدريد.
وأكد البلاغ أن العملية تندرج في إطار التعاون الأمني بين البلدين.
"""


@pytest.fixture
def mixed_inputs(tmp_path: Path) -> Path:
    """A folder with good pages in three languages, an export, and bad files."""
    d = tmp_path / "raw"
    d.mkdir()
    (d / "001_en.txt").write_text(EN_PAGE, "utf-8")
    (d / "002_fr.txt").write_text(FR_PAGE, "utf-8")
    (d / "003_ar.txt").write_text(AR_PAGE, "utf-8")
    (d / "004_empty.txt").write_text("", "utf-8")
    (d / "005_image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (d / "006_latin1.txt").write_bytes(
        ("Coopération sécuritaire\nLa coopération sécuritaire entre le Maroc et la Belgique "
         "est excellente, a déclaré le ministre de l'Intérieur à la presse.\n").encode("cp1252"))
    rec = {"id": 7, "url": "https://example.ma/a", "title": "Le Maroc et le Sénégal",
           "publish_date": "2022-05-01", "media_name": "Le Courrier", "language": "fr",
           "text": "Le Maroc et le Sénégal ont signé un accord de coopération sécuritaire."}
    (d / "007_export.jsonl").write_text(json.dumps(rec) + "\n{not json\n", "utf-8")
    return d


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The deterministic sample corpus (`make` writes it; generated here if missing)."""
    if not (SAMPLE / "_truth.jsonl").exists():
        subprocess.run([sys.executable, "-m", "ctkit.cli", "sample", "--out", str(SAMPLE)],
                       check=True)
    return SAMPLE


@pytest.fixture(scope="session")
def sample_corpus(sample_dir: Path):
    """The sample corpus parsed once per test session (local engine)."""
    import ctkit

    return ctkit.parse(sample_dir, engine="local")
