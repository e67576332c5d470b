"""Country geometry shipped with ctkit (Natural Earth 1:50m, public domain), for offline maps.

`world()` gives a GeoDataFrame (iso3, name, geometry; EPSG:4326) and `geojson()` the same
features as a dict for plotly (``featureidkey="properties.iso3"``). Both read
`ctkit/data/world.geojson`, built by `scripts/build_world.py`; see `docs/maps.md`.

Rings follow d3-geo's convention (exterior rings clockwise in lon/lat, holes
counter-clockwise), which plotly.js uses to fill polygons on the sphere. RFC 7946's opposite
orientation makes d3 fill the whole globe except the country.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "WESTERN_SAHARA",
    "basemap_topojson",
    "geojson",
    "is_clockwise",
    "label_points",
    "names",
    "orient_d3",
    "orientation_problems",
    "ring_area",
    "world",
]

#: How Western Sahara (ESH) is depicted: its own territory (the default, as in Natural Earth
#: and the UN list of non-self-governing territories), merged into Morocco, or left out.
WESTERN_SAHARA = ("separate", "morocco", "hidden")

_WORLD = "data/world.geojson"
_BASEMAP = "data/world_basemap.topojson"
_ESH, _MAR = "ESH", "MAR"


@cache
def _text(name: str) -> str:
    return resources.files("ctkit").joinpath(name).read_text("utf-8")


def _check_option(western_sahara: str) -> None:
    if western_sahara not in WESTERN_SAHARA:
        raise ValueError(f"western_sahara must be one of {WESTERN_SAHARA}, "
                         f"got {western_sahara!r}")


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Signed planar area of a closed lon/lat ring (shoelace): negative when clockwise."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        total += x0 * y1 - x1 * y0
    return total / 2.0


def is_clockwise(ring: Sequence[Sequence[float]]) -> bool:
    """True when a closed lon/lat ring runs clockwise (d3's exterior-ring convention)."""
    return ring_area(ring) < 0


def _polygons(geometry: dict[str, Any]) -> Iterator[list]:
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["coordinates"]


def orientation_problems(features: Iterable[dict[str, Any]]) -> list[str]:
    """Rings that d3-geo would fill the wrong way: counter-clockwise exteriors, clockwise holes.

    Empty when every polygon is oriented as d3 expects; each problem names the feature.
    """
    problems = []
    for feature in features:
        fid = feature.get("id") or feature.get("properties", {}).get("iso3")
        for i, poly in enumerate(_polygons(feature["geometry"])):
            for j, ring in enumerate(poly):
                if is_clockwise(ring) != (j == 0):
                    kind = "exterior" if j == 0 else f"hole {j}"
                    problems.append(f"{fid}: polygon {i} {kind} runs the wrong way")
    return problems


def orient_d3(geometry: BaseGeometry) -> BaseGeometry:
    """`geometry` with exterior rings clockwise and holes counter-clockwise (d3-geo's order)."""
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geometry, Polygon):
        return orient(geometry, sign=-1.0)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(p, sign=-1.0) for p in geometry.geoms])
    raise TypeError(f"expected a Polygon or MultiPolygon, got {geometry.geom_type}")


def _merge_into_morocco(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dissolve Western Sahara's polygon into Morocco's feature (one outline, no inner border)."""
    from shapely import union_all
    from shapely.geometry import mapping, shape

    by_code = {f["id"]: f for f in features}
    if _ESH not in by_code or _MAR not in by_code:
        return features
    merged = orient_d3(union_all([shape(by_code[_MAR]["geometry"]),
                                  shape(by_code[_ESH]["geometry"])]))
    geometry = json.loads(json.dumps(mapping(merged)))  # tuples -> lists, like the file
    out = []
    for f in features:
        if f["id"] == _ESH:
            continue
        if f["id"] == _MAR:
            f = {**f, "geometry": geometry}
        out.append(f)
    return out


@cache
def _features_json(western_sahara: str) -> str:
    collection = json.loads(_text(_WORLD))
    features = collection["features"]
    if western_sahara == "hidden":
        features = [f for f in features if f["id"] != _ESH]
    elif western_sahara == "morocco":
        features = _merge_into_morocco(features)
    return json.dumps(features)


def geojson(*, western_sahara: str = "separate") -> dict[str, Any]:
    """The country polygons as a GeoJSON FeatureCollection dict (a fresh copy on every call).

    Each feature has ``id`` and ``properties.iso3`` (ISO 3166-1 alpha-3, Kosovo = XKX) and
    ``properties.name`` (CLDR English); pass ``featureidkey="properties.iso3"`` to plotly.
    """
    _check_option(western_sahara)
    return {"type": "FeatureCollection", "features": json.loads(_features_json(western_sahara))}


def world(*, western_sahara: str = "separate") -> gpd.GeoDataFrame:
    """Country polygons as a GeoDataFrame with columns iso3, name, geometry (EPSG:4326).

    One row per ISO 3166-1 code present in Natural Earth 1:50m (plus Kosovo, XKX); small
    states such as Bahrain, Singapore and Malta are kept. `western_sahara` picks the depiction
    of ESH: "separate" (own row), "morocco" (dissolved into MAR) or "hidden" (no row).
    """
    import geopandas as gpd
    from shapely.geometry import shape

    features = geojson(western_sahara=western_sahara)["features"]
    return gpd.GeoDataFrame(
        {"iso3": [f["properties"]["iso3"] for f in features],
         "name": [f["properties"]["name"] for f in features]},
        geometry=[shape(f["geometry"]) for f in features],
        crs="EPSG:4326",
    ).astype({"iso3": "string", "name": "string"})


@cache
def _names() -> dict[str, str]:
    return {f["id"]: f["properties"]["name"] for f in json.loads(_features_json("separate"))}


def names() -> dict[str, str]:
    """ISO3 -> English name (CLDR) for every country in the shipped geometry."""
    return dict(_names())


@cache
def _points(western_sahara: str) -> tuple[tuple[str, float, float, float], ...]:
    from shapely.geometry import shape

    out = []
    for f in json.loads(_features_json(western_sahara)):
        geom = shape(f["geometry"])
        parts = getattr(geom, "geoms", [geom])
        largest = max(parts, key=lambda p: p.area)
        point = largest.representative_point()
        out.append((f["id"], round(point.x, 3), round(point.y, 3), round(geom.area, 4)))
    return tuple(out)


def label_points(*, western_sahara: str = "separate") -> dict[str, tuple[float, float, float]]:
    """ISO3 -> (lon, lat, area): a point inside each country's largest polygon, and its area.

    Area is in square degrees (planar lon/lat), enough to tell which states are too small to
    see on a world map (Bahrain, Singapore, Malta are below 0.1) and need a marker.
    """
    _check_option(western_sahara)
    return {code: (lon, lat, area) for code, lon, lat, area in _points(western_sahara)}


def basemap_topojson() -> dict[str, Any]:
    """The TopoJSON plotly.js draws its base layers from (land, coastlines, country borders).

    plotly.js fetches this from a CDN for every geo subplot unless the page already holds it
    in ``window.PlotlyGeoAssets``; `ctkit.plots` puts it there so maps draw offline.
    """
    return json.loads(_text(_BASEMAP))
