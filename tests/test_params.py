"""ctkit.params: notebook parameters fail with one clear sentence."""
from __future__ import annotations

import datetime as dt

import pytest

from ctkit import params as P
from ctkit.params import NOTEBOOK_PARAMETERS, ParameterError, validate_parameters


def test_good_parameters_come_back_typed():
    got = validate_parameters({"focal": "MAR", "start": dt.date(2023, 1, 1), "end": "2023-06-30",
                               "outlets": ("Hespress", "Le360"), "min_mentions": 2, "freq": "W"},
                              allowed=NOTEBOOK_PARAMETERS)
    assert got == {"focal": "MAR", "start": "2023-01-01", "end": "2023-06-30",
                   "outlets": ["Hespress", "Le360"], "min_mentions": 2, "freq": "W"}


@pytest.mark.parametrize("given, message", [
    ({"outlet": ["A"]}, "Unknown parameter 'outlet' (did you mean 'outlets'?); allowed "
                        "parameters are data_dir, end, focal, freq, languages, min_mentions, "
                        "outlets, start."),
    ({"outlets": "A"}, "Parameter 'outlets' must be a list of strings or None, got 'A' (str)."),
    ({"min_mentions": "3"}, "Parameter 'min_mentions' must be an integer, got '3' (str)."),
    ({"min_mentions": True}, "Parameter 'min_mentions' must be an integer, got True (bool)."),
    ({"min_mentions": -1}, "Parameter 'min_mentions' must be zero or more, got -1."),
    ({"start": "2023-13-01"}, "Parameter 'start' must be a date written YYYY-MM-DD, got "
                              "'2023-13-01'."),
    ({"start": "01/02/2023"}, "Parameter 'start' must be a date written YYYY-MM-DD, got "
                              "'01/02/2023'."),
    ({"start": "2023-02-01", "end": "2023-01-01"}, "Parameter 'start' (2023-02-01) is after "
                                                    "'end' (2023-01-01)."),
    ({"focal": "mar"}, "Parameter 'focal' must be an ISO3 country code in capitals such as "
                       "'MAR', got 'mar'."),
    ({"freq": "Y"}, "Parameter 'freq' must be one of D, W, M or Q (day, week, month, quarter), "
                    "got 'Y'."),
    ({"languages": ["FR"]}, "Parameter 'languages' must hold two-letter ISO 639-1 codes such as "
                            "'fr', got ['FR']."),
    ({"outlets": []}, "Parameter 'outlets' is an empty list; use None to keep every value."),
])
def test_bad_parameters_raise_one_sentence(given, message):
    with pytest.raises(ParameterError) as err:
        validate_parameters(given, allowed=NOTEBOOK_PARAMETERS)
    assert str(err.value) == message


def test_checks_by_name_apply_whatever_the_declared_type():
    allowed = {"focal": str, "freq": str, "start": "str | None"}
    with pytest.raises(ParameterError, match="'freq' must be one of"):
        validate_parameters({"freq": "month"}, allowed=allowed)
    assert validate_parameters({"start": dt.datetime(2024, 5, 1, 12)}, allowed=allowed) == {
        "start": "2024-05-01"}


def test_notebook_annotations_work_as_allowed_types():
    annotations = {"data_dir": str, "outlets": list[str] | None, "day": dt.date, "ratio": float}
    got = validate_parameters({"data_dir": "d", "outlets": None, "day": "2023-05-04", "ratio": 1},
                              allowed=annotations)
    assert got == {"data_dir": "d", "outlets": None, "day": dt.date(2023, 5, 4), "ratio": 1.0}
    with pytest.raises(ParameterError, match="'outlets' must be a list of strings or None"):
        validate_parameters({"outlets": [1]}, allowed=annotations)


def test_focal_is_checked_against_the_shipped_country_list(monkeypatch):
    monkeypatch.setattr(P, "known_iso3", lambda: frozenset({"MAR", "ESP"}))
    assert validate_parameters({"focal": "ESP"}, allowed=NOTEBOOK_PARAMETERS) == {"focal": "ESP"}
    with pytest.raises(ParameterError, match="'XYZ', which is not an ISO3 code ctkit knows"):
        validate_parameters({"focal": "XYZ"}, allowed=NOTEBOOK_PARAMETERS)
