"""The bundled demo: a two-unit coal plant with a year of monthly data, a two-line cement plant
whose clinker footprint is built on its inventory, and worked product footprints (``demo/data``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_inventory_path() -> Path:
    return Path(str(resources.files("dualcarbon.demo").joinpath("data", "demo-plant.yaml")))


def demo_cement_inventory_path() -> Path:
    """The demo cement plant's 2025 inventory (CETS—AG—02.01—V01—2024), on which its clinker
    footprint is built (``footprint/cement-clinker.yaml``)."""
    return Path(str(resources.files("dualcarbon.demo").joinpath("data", "cement-plant-2025.yaml")))


def demo_register_path() -> Path:
    """The demo plant's register of measuring instruments and their calibrations."""
    return Path(str(resources.files("dualcarbon.demo").joinpath("data", "demo-register.yaml")))


def demo_footprint_path(name: str = "") -> Path:
    """A worked product system of the demo (``pv-module-simple.yaml``, ``pv-module-per-kwp.yaml``,
    ``lfp-ev-battery-pack.yaml``, ``cement-clinker.yaml``), or their folder when ``name`` is
    empty."""
    folder = resources.files("dualcarbon.demo").joinpath("data", "footprint")
    return Path(str(folder.joinpath(name) if name else folder))


def demo_park_path() -> Path:
    """The demo park's file (a gas CHP plant and three members, 2025; docs/parks.md)."""
    return Path(str(resources.files("dualcarbon.demo").joinpath("data", "park", "park.yaml")))
