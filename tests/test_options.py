import pytest

from ctkit.options import Options


def test_defaults_come_from_the_shipped_file():
    o = Options()
    assert (o.focal, o.engine, o.use_ner) == ("MAR", "process", "no")


def test_bad_values_and_unknown_names_are_errors():
    with pytest.raises(ValueError, match="ISO3"):
        Options(focal="morocco")
    with pytest.raises(ValueError, match="engine"):
        Options(engine="spark")
    with pytest.raises(TypeError, match="unknown option"):
        Options().with_(fokal="ESP")
    assert Options().with_(focal="ESP", engine=None).focal == "ESP"
