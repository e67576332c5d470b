"""The shipped country geometry: codes, known trouble spots, ring orientation, Western Sahara."""
from __future__ import annotations

import json
import re

import pytest

from ctkit import geo


@pytest.fixture(scope="module")
def world():
    return geo.world()


def test_iso3_codes_are_valid_and_unique(world):
    codes = world["iso3"].tolist()
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    assert len(codes) == len(set(codes))
    assert "-99" not in codes and len(codes) > 230
    assert str(world.crs) == "EPSG:4326"
    assert list(world.columns) == ["iso3", "name", "geometry"]


@pytest.mark.parametrize("code, name, bounds", [
    # (minx, miny, maxx, maxy) boxes that must contain the country's main territory
    ("FRA", "France", (-5.5, 42.0, 8.5, 51.2)),
    ("NOR", "Norway", (4.5, 57.9, 31.5, 71.3)),
    ("XKX", "Kosovo", (20.0, 41.8, 21.8, 43.3)),
    ("ESH", "Western Sahara", (-17.2, 20.7, -8.6, 27.7)),
    ("MAR", "Morocco", (-13.2, 27.6, -1.0, 36.0)),
])
def test_trouble_spots_have_their_code_and_shape(world, code, name, bounds):
    row = world[world["iso3"] == code]
    assert len(row) == 1, code
    assert row["name"].iloc[0] == name
    geom = row.geometry.iloc[0]
    assert geom.is_valid and not geom.is_empty
    main = max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)
    minx, miny, maxx, maxy = main.bounds
    assert bounds[0] - 0.1 <= minx and maxx <= bounds[2] + 0.1, (code, main.bounds)
    assert bounds[1] - 0.1 <= miny and maxy <= bounds[3] + 0.1, (code, main.bounds)
    assert main.area > 0.5 * (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]) * 0.3


def test_france_overseas_parts_stay_with_france(world):
    fra = world.set_index("iso3").geometry["FRA"]
    assert fra.bounds[0] < -50  # French Guiana
    assert fra.bounds[1] < -20  # Réunion


def test_western_sahara_is_the_whole_territory(world):
    geoms = world.set_index("iso3").geometry
    esh, mar = geoms["ESH"], geoms["MAR"]
    assert 22 < esh.area < 26  # ~266,000 km2 in square degrees, not Natural Earth's strip
    assert esh.intersection(mar).area < 1e-6
    assert esh.touches(mar)
    assert mar.bounds[1] == pytest.approx(27.66, abs=0.02)  # the 27°40' N line


def test_small_states_are_kept(world):
    codes = set(world["iso3"])
    assert {"BHR", "SGP", "MLT", "LUX", "MCO", "AND", "LIE", "SMR"} <= codes
    areas = world.set_index("iso3").geometry.map(lambda g: g.area)  # square degrees
    for code in ("BHR", "SGP", "MLT", "LUX"):
        assert areas[code] > 0.01, code


def test_no_country_from_the_dropped_or_merged_features(world):
    names = set(world["name"])
    assert not {"Somaliland", "N. Cyprus", "Siachen Glacier", "Indian Ocean Ter."} & names
    cyp = world.set_index("iso3").geometry["CYP"]
    assert cyp.bounds[2] > 34.5  # the north of the island is part of Cyprus


def test_rings_follow_d3_orientation():
    collection = geo.geojson()
    assert geo.orientation_problems(collection["features"]) == []
    for feature in collection["features"]:
        polys = feature["geometry"]["coordinates"]
        if feature["geometry"]["type"] == "Polygon":
            polys = [polys]
        for poly in polys:
            assert geo.is_clockwise(poly[0]), feature["id"]
            assert all(not geo.is_clockwise(h) for h in poly[1:]), feature["id"]


def test_orientation_check_catches_rfc7946_rings():
    ccw = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    feature = {"id": "XXX", "geometry": {"type": "Polygon", "coordinates": [ccw]}}
    assert geo.orientation_problems([feature]) == ["XXX: polygon 0 exterior runs the wrong way"]
    assert not geo.is_clockwise(ccw) and geo.is_clockwise(ccw[::-1])


def test_orient_d3_fixes_a_dissolved_shape():
    from shapely.geometry import Polygon

    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.2, 0.4), (0.4, 0.4)]])
    fixed = geo.orient_d3(square)
    assert geo.is_clockwise(list(fixed.exterior.coords))
    assert not geo.is_clockwise(list(fixed.interiors[0].coords))


def test_coordinates_stay_on_the_globe():
    for feature in geo.geojson()["features"]:
        text = json.dumps(feature["geometry"]["coordinates"])
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]
        lons, lats = values[0::2], values[1::2]
        assert min(lons) >= -180 and max(lons) <= 180, feature["id"]
        assert min(lats) >= -90 and max(lats) <= 90, feature["id"]


@pytest.mark.parametrize("option", geo.WESTERN_SAHARA)
def test_western_sahara_options(option):
    w = geo.world(western_sahara=option).set_index("iso3")
    mar = w.geometry["MAR"]
    if option == "separate":
        assert "ESH" in w.index and mar.bounds[1] > 27.5
    elif option == "morocco":
        assert "ESH" not in w.index
        assert mar.geom_type == "Polygon"  # dissolved: one outline, no inner border
        assert mar.bounds[1] < 21.0 and mar.area > 60
    else:
        assert "ESH" not in w.index and mar.bounds[1] > 27.5
    assert geo.orientation_problems(geo.geojson(western_sahara=option)["features"]) == []


def test_unknown_western_sahara_option_is_an_error():
    with pytest.raises(ValueError, match="western_sahara"):
        geo.world(western_sahara="annexed")


def test_geojson_is_a_fresh_copy_for_plotly():
    a = geo.geojson()
    a["features"].clear()
    b = geo.geojson()
    assert len(b["features"]) > 230
    assert all(f["properties"]["iso3"] == f["id"] for f in b["features"])


def test_basemap_has_the_objects_plotly_reads():
    topo = geo.basemap_topojson()
    assert topo["type"] == "Topology"
    for name in ("land", "coastlines", "countries", "ocean", "lakes", "rivers", "subunits"):
        assert name in topo["objects"], name
    assert len(topo["objects"]["countries"]["geometries"]) > 150


def test_label_points_flag_small_states():
    pts = geo.label_points()
    lon, lat, area = pts["BHR"]
    assert 50.3 < lon < 50.8 and 25.7 < lat < 26.4 and area < 0.1
    assert pts["FRA"][2] > 40
