"""Build ctkit's shipped country geometry from Natural Earth, as packaged in world-atlas@2.0.2.

Writes two files (both committed; rerun only to change the geometry):

- ``ctkit/data/world.geojson``: one feature per ISO 3166-1 code from Natural Earth 1:50m
  admin-0 countries (v4.1.0), ids mapped to ISO3, simplified, cut at the antimeridian,
  rings oriented for d3-geo/plotly.
- ``ctkit/data/world_basemap.topojson``: the 1:110m topology plotly.js draws its base layers
  from (objects land, coastlines, countries; empty ocean, lakes, rivers, subunits).

Natural Earth is public domain; world-atlas (Mike Bostock) repackages it as TopoJSON under the
ISC licence. Usage::

    .venv/bin/python scripts/build_world.py                    # fetches with `npm pack`
    .venv/bin/python scripts/build_world.py --package world-atlas-2.0.2.tgz

Build-time tools: npm (or a tarball you fetched), pycountry, babel, shapely.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

from shapely import make_valid, union_all
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ctkit.geo import orient_d3, orientation_problems  # noqa: E402

PACKAGE = "world-atlas@2.0.2"
INTEGRITY = ("sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lF"
             "HcYa5ChG0LQ==")
OUT_WORLD = ROOT / "ctkit" / "data" / "world.geojson"
OUT_BASEMAP = ROOT / "ctkit" / "data" / "world_basemap.topojson"

#: Natural Earth features with no ISO 3166 numeric id, or sharing one, and where they go.
#: None drops the feature. Reasons are in ctkit/data/README.md.
FIXES: dict[str, str | None] = {
    "Kosovo": "XKX",                   # user-assigned code (EU, IMF, World Bank; CLDR "XK")
    "Somaliland": "SOM",               # part of Somalia in ISO 3166 and for the UN
    "N. Cyprus": "CYP",                # part of Cyprus in ISO 3166 and for the UN
    "Indian Ocean Ter.": "AUS",        # Christmas I. + Cocos Is., drawn as one feature
    "Ashmore and Cartier Is.": "AUS",  # shares numeric id 036 with Australia
    "Siachen Glacier": None,           # disputed India/Pakistan, no code: left blank
}
#: alpha-2 for the codes pycountry does not know (CLDR names are keyed by alpha-2).
ALPHA2_EXTRA = {"XKX": "XK"}

TOLERANCE = 0.02    # degrees; Douglas-Peucker on shared arcs keeps neighbours' borders equal
DECIMALS = 3        # ~110 m, finer than the source's 1:50m quantisation (~400 m)
MIN_AREA_KEPT = 0.6  # a ring simplified below this share of its area keeps its full arcs


def fetch(package: Path | None, workdir: Path) -> Path:
    """The unpacked world-atlas package directory; runs `npm pack` when no tarball is given."""
    if package is None:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True,
                       stdout=subprocess.DEVNULL)
        package = next(workdir.glob("world-atlas-*.tgz"))
    if package.is_dir():
        return package
    digest = "sha512-" + base64.b64encode(hashlib.sha512(package.read_bytes()).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"{package}: integrity {digest} is not the published {PACKAGE}")
    with tarfile.open(package) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs from a quantised, delta-encoded TopoJSON topology."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous (a step across the antimeridian becomes a small step)."""
    out = [points[0]]
    for lon, lat in points[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    return out


def simplify_arcs(arcs: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Each arc simplified on its own, end points kept, so shared borders stay shared."""
    from shapely.geometry import LineString

    out = []
    for arc in arcs:
        if len(arc) <= 2:
            out.append(arc)
            continue
        line = LineString(unwrap(arc)).simplify(TOLERANCE, preserve_topology=False)
        out.append([(x, y) for x, y in line.coords])
    return out


def ring_points(indices: list[int], arcs: list[list[tuple[float, float]]]
                ) -> list[tuple[float, float]]:
    """The closed ring (unwrapped) made by joining arcs; ~i means arc i reversed."""
    points: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return unwrap(points)


def close_around_pole(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that circles a pole (Antarctica) closed along that pole, else unchanged."""
    span = ring[-1][0] - ring[0][0]
    if abs(span) < 180:
        return ring
    pole = -90.0 if sum(lat for _, lat in ring) < 0 else 90.0
    return [*ring, (ring[-1][0], pole), (ring[0][0], pole), ring[0]]


def planar_area(ring: list[tuple[float, float]]) -> float:
    return abs(Polygon(close_around_pole(ring)).area) if len(ring) >= 4 else 0.0


def choose_arcs(geometries: list[dict], full: list, simple: list) -> list:
    """Simplified arcs, except where a ring would collapse: those rings keep their full arcs."""
    keep: set[int] = set()
    for g in geometries:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        for poly in polys:
            for ring in poly:
                a_full = planar_area(ring_points(ring, full))
                a_simple = planar_area(ring_points(ring, simple))
                if a_simple < MIN_AREA_KEPT * a_full:
                    keep.update(i if i >= 0 else ~i for i in ring)
    return [full[i] if i in keep else s for i, s in enumerate(simple)]


def to_world(geom: BaseGeometry) -> BaseGeometry:
    """Pieces of an unwrapped polygon beyond ±180° moved back, so the result is in [-180, 180]."""
    from shapely.affinity import translate

    frame = box(-180, -90, 180, 90)
    parts = [translate(geom, xoff=shift).intersection(frame) for shift in (-360, 0, 360)]
    return union_all([p for p in parts if not p.is_empty])


def polygon(poly_arcs: list[list[int]], arcs: list) -> BaseGeometry:
    exterior = close_around_pole(ring_points(poly_arcs[0], arcs))
    ext_poly = Polygon(exterior)
    lo, hi = ext_poly.bounds[0], ext_poly.bounds[2]
    holes = []
    for ring in poly_arcs[1:]:
        pts = ring_points(ring, arcs)
        mid = sum(x for x, _ in pts) / len(pts)
        shift = 360.0 * round(((lo + hi) / 2 - mid) / 360.0)
        holes.append([(x + shift, y) for x, y in pts])
    return to_world(make_valid(Polygon(exterior, holes)))


def polygonal(geom: BaseGeometry) -> MultiPolygon:
    """Only the polygon parts of `geom` (make_valid and intersections may add lines/points)."""
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    if isinstance(geom, MultiPolygon):
        return geom
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        polys.extend(polygonal(part).geoms)
    return MultiPolygon(polys)


def rounded(geom: MultiPolygon) -> BaseGeometry:
    """Coordinates rounded to DECIMALS, repeated points and collapsed rings dropped."""
    from shapely import set_precision

    geom = set_precision(geom, 10 ** -DECIMALS)
    geom = polygonal(make_valid(geom))
    out = Polygon(geom.geoms[0]) if len(geom.geoms) == 1 else geom
    return orient_d3(out)


def iso3_and_names(geometries: list[dict]) -> tuple[list[str | None], dict[str, str]]:
    import pycountry
    from babel import Locale

    cldr = Locale("en").territories
    codes: list[str | None] = []
    names: dict[str, str] = {}
    seen_numeric: set[str] = set()
    for g in geometries:
        ne_name = g["properties"]["name"]
        numeric = g.get("id")
        if ne_name in FIXES:
            code = FIXES[ne_name]
        elif numeric is None or numeric in seen_numeric:
            raise SystemExit(f"unmapped Natural Earth feature {ne_name!r} (id {numeric}); "
                             "add it to FIXES")
        else:
            country = pycountry.countries.get(numeric=numeric)
            if country is None:
                raise SystemExit(f"{ne_name!r}: numeric id {numeric} is not in ISO 3166-1")
            code = country.alpha_3
        if numeric is not None:
            seen_numeric.add(numeric)
        codes.append(code)
        if code and code not in names:
            alpha2 = ALPHA2_EXTRA.get(code) or pycountry.countries.get(alpha_3=code).alpha_2
            names[code] = cldr.get(alpha2, ne_name)
    return codes, names


def whole_western_sahara(parts: dict[str, list[BaseGeometry]]) -> None:
    """Give ESH the whole territory (UN/ISO 3166), not Natural Earth's de facto strip.

    Natural Earth's "Morocco" runs down to the berm and its "W. Sahara" is only the strip east
    of it. Here the part of that Morocco south of 27°40' N (the latitude of Natural Earth's own
    Morocco/W. Sahara/Algeria tripoint) moves to ESH, so MAR is Morocco north of that parallel
    and ESH is the whole non-self-governing territory; `ctkit.geo.world(western_sahara=...)`
    then shows it separately, merged into MAR, or not at all.
    """
    mar, esh = union_all(parts["MAR"]), union_all(parts["ESH"])
    south = box(-20.0, 15.0, -8.6, esh.bounds[3])
    moved = polygonal(mar.intersection(south))
    parts["MAR"] = [mar.difference(south)]
    parts["ESH"] = [esh, *moved.geoms]


def build_world(topology: dict) -> dict:
    """The FeatureCollection written to world.geojson."""
    geometries = topology["objects"]["countries"]["geometries"]
    full = decode_arcs(topology)
    arcs = choose_arcs(geometries, full, simplify_arcs(full))
    codes, names = iso3_and_names(geometries)
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for g, code in zip(geometries, codes, strict=True):
        if code is None:
            continue
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        parts[code].extend(polygon(p, arcs) for p in polys)
    whole_western_sahara(parts)
    features = []
    for code in sorted(parts):
        geom = rounded(polygonal(union_all(parts[code])))
        features.append({
            "type": "Feature", "id": code,
            "properties": {"iso3": code, "name": names[code]},
            "geometry": json.loads(json.dumps(mapping(geom))),
        })
    problems = orientation_problems(features)
    if problems:
        raise SystemExit("orientation: " + "; ".join(problems[:5]))
    return {
        "type": "FeatureCollection",
        "ctkit": {
            "source": "Natural Earth 1:50m Admin 0 countries v4.1.0 (public domain), "
                      f"via npm {PACKAGE} (ISC)",
            "built_by": "scripts/build_world.py",
            "orientation": "exterior rings clockwise (d3-geo), not RFC 7946",
            "tolerance_degrees": TOLERANCE, "decimals": DECIMALS,
        },
        "features": features,
    }


def build_basemap(topology: dict) -> dict:
    """The 1:110m topology with the objects plotly.js reads for its base layers."""
    countries = [{k: v for k, v in g.items() if k != "properties"}
                 for g in topology["objects"]["countries"]["geometries"]]
    empty = {"type": "GeometryCollection", "geometries": []}
    land = topology["objects"]["land"]
    return {
        "type": "Topology",
        "transform": topology["transform"],
        "objects": {
            "land": land, "coastlines": land,
            "countries": {"type": "GeometryCollection", "geometries": countries},
            "ocean": empty, "lakes": empty, "rivers": empty, "subunits": empty,
        },
        "arcs": topology["arcs"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, default=None,
                        help="world-atlas-2.0.2.tgz or its unpacked directory (default: npm pack)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pkg = fetch(args.package, Path(tmp))
        t50 = json.loads((pkg / "countries-50m.json").read_text("utf-8"))
        t110 = json.loads((pkg / "countries-110m.json").read_text("utf-8"))
    world = build_world(t50)
    OUT_WORLD.write_text(json.dumps(world, separators=(",", ":"), ensure_ascii=False) + "\n",
                         "utf-8")
    OUT_BASEMAP.write_text(json.dumps(build_basemap(t110), separators=(",", ":")) + "\n",
                           "utf-8")
    for path in (OUT_WORLD, OUT_BASEMAP):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB")
    print(f"{len(world['features'])} countries and territories")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
