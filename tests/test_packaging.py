"""The conda environment mirrors pyproject.toml; the package ships its data files."""
import re
import tomllib
from importlib import resources
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> set[str]:
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in proj["dependencies"]}
    for reqs in proj["optional-dependencies"].values():
        names |= {_name(r) for r in reqs}
    names.discard("dask")
    return names | {"dask", "distributed"}


def _conda() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(d) for d in dep["pip"] if not d.startswith("-")}
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert _conda() == _pyproject()


def test_package_data_is_shipped():
    data = resources.files("ctkit").joinpath("data")
    for name in ["defaults.toml", "chrome.tsv", "countries.tsv", "orgs.tsv", "events.tsv",
                 "world.geojson"]:
        assert data.joinpath(name).is_file(), name
