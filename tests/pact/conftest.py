"""Fixtures of the PACT tests: the worked PV-module product system (demo/data/footprint), its
footprint, publication facts, and a migrated store on every reachable backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from dualcarbon.footprint.footprint import FootprintResult, compute_footprint
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.pact.publication import Publication
from dualcarbon.store import make_engine
from postgres import migrate

PV_MODULE = (
    Path(__file__).parents[2]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "footprint"
    / "pv-module-simple.yaml"
)
PV_MASS_KG = 11.5
"""Mass of 1 m² of the module, added for PACT's productMassPerDeclaredUnit: the example file
gives none. Invented, of the order of a glass-backsheet module (about 11–12 kg/m²)."""


def pv_mapping(**changes: Any) -> dict[str, Any]:
    """The example product system as plain data, with a product mass and ``changes``."""
    raw: dict[str, Any] = yaml.safe_load(PV_MODULE.read_text(encoding="utf-8"))
    raw["product"] = {"mass": PV_MASS_KG}
    raw.update(changes)
    return raw


def pv_system(**changes: Any) -> ProductSystem:
    return validate_product_system(pv_mapping(**changes), source=str(PV_MODULE))


@pytest.fixture(scope="session")
def system() -> ProductSystem:
    return pv_system()


@pytest.fixture(scope="session")
def result(system: ProductSystem) -> FootprintResult:
    return compute_footprint(system)


def make_publication(**changes: Any) -> Publication:
    facts: dict[str, Any] = {
        "company_name": "示例光伏科技有限公司",
        "company_ids": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
        "product_ids": ["urn:gtin:4712345060507"],
        "classifications": ["urn:pact:productclassification:un-cpc:46420"],
    }
    facts.update(changes)
    return Publication.model_validate(facts)


@pytest.fixture
def publication() -> Publication:
    return make_publication()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head (SQLite, and PostgreSQL when configured)."""
    migrate(db_url)  # as upgrade(db_url) does, from a template (tests/postgres.py)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
