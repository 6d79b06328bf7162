"""Seeded data for the API tests.

:func:`seed` seeds two organisations, 甲 and 乙, a stored result for each, and one user per role
(enterprise of 甲; verifier and metrology reviewer assigned 甲; regulator; admin) plus an
enterprise user of 乙, each with an API key. Argon2 runs with small costs here: the hashes are the
same algorithm, only cheaper to compute.

``BACKENDS`` and ``database`` (a fresh database per test or module, PostgreSQL in a schema of its
own) come from ``tests/postgres.py``, shared with the store tests.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Engine

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader, coerce_records
from dualcarbon.api import Settings
from dualcarbon.demo import demo_register_path
from dualcarbon.io.register_files import read_register
from dualcarbon.ledger.lodging import lodge_inventory, lodge_results
from dualcarbon.ledger.signing import Signer
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.metrology.register import Register
from dualcarbon.security import Passwords, new_api_key, sha256
from dualcarbon.store import session_scope
from dualcarbon.store.models import ApiKey, Organisation, User, UserOrganisation, utcnow
from dualcarbon.store.repository import save_inventory, save_register, save_result, sync_factors
from evidence import coal_months
from postgres import BACKENDS as BACKENDS
from postgres import POSTGRES_ENV as POSTGRES_ENV
from postgres import database as database

PASSWORD = "correct horse battery staple"
ROLES = ("enterprise", "verifier", "metrology_reviewer", "regulator", "admin")
ORG_A = "甲电力有限公司"
ORG_B = "乙电力有限公司"

TEST_LEDGER_KEY = base64.b64encode(bytes(range(32))).decode()
"""A fixed Ed25519 key for the tests' evidence logs (never a real one)."""
TEST_SIGNER = Signer.from_private_bytes(bytes(range(32)))


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        secret_key="test-secret-key",  # type: ignore[arg-type]
        ledger_key=TEST_LEDGER_KEY,  # type: ignore[arg-type]
        cookie_secure=False,
        password_memory_kib=64,
        password_time_cost=1,
    )


def make_inventory(organisation: str, *, coal_t: float = 1000.0) -> Inventory:
    """A small 2024 power inventory of ``organisation``."""
    header = InventoryHeader(
        organisation=organisation, facility="一号电厂", year=2024, methodology="cn-mee-power-2022"
    )
    fuel, problems = coerce_records(
        TABLES["fuel"],
        [
            *coal_months(coal_t),
        ],
        file="test",
    )
    assert not problems
    return Inventory(header=header, tables={"fuel": fuel}, source="test.yaml")


@dataclass
class World:
    """Ids and keys of the seeded data."""

    engine: Engine
    org_a: int = 0
    org_b: int = 0
    result_a: int = 0
    result_b: int = 0
    inventory_a: int = 0
    inventory_b: int = 0
    users: dict[str, int] = field(default_factory=dict)
    """user id by role; ``"enterprise_b"`` is the enterprise user of 乙."""
    keys: dict[str, str] = field(default_factory=dict)
    """an API key by role (and ``"enterprise_b"``)."""
    key_ids: dict[str, int] = field(default_factory=dict)
    revoked_key: str = ""
    period_a: int = 0
    period_b: int = 0
    """A claimed monitoring period of each organisation (:func:`claim_periods`), when seeded."""

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def email(self, who: str) -> str:
        return f"{who}@example.cn"


@cache
def _demo_register() -> Register:
    """The demo register, read once per process (it is frozen): hundreds of tests seed it."""
    return read_register(demo_register_path())


def seed(engine: Engine) -> World:
    world = World(engine=engine)
    passwords = Passwords(memory_kib=64, time_cost=1)
    password_hash = passwords.hash(PASSWORD)
    with session_scope(engine) as session:
        sync_factors(session)
        a, b = Organisation(name=ORG_A), Organisation(name=ORG_B)
        session.add_all([a, b])
        session.flush()
        world.org_a, world.org_b = a.id, b.id
        for name, org_id in ((ORG_A, a.id), (ORG_B, b.id)):
            inventory = make_inventory(name)
            stored = save_inventory(session, name, "一号电厂", inventory)
            lodge_inventory(session, TEST_SIGNER, org_id, stored, inventory)
            save_register(session, name, _demo_register())
            row = save_result(session, stored, account(inventory))
            lodge_results(session, TEST_SIGNER, org_id)
            if org_id == a.id:
                world.result_a, world.inventory_a = row.id, stored.id
            else:
                world.result_b, world.inventory_b = row.id, stored.id
        for who in (*ROLES, "enterprise_b"):
            role = "enterprise" if who == "enterprise_b" else who
            org = {"enterprise": a.id, "enterprise_b": b.id}.get(who)
            user = User(
                email=world.email(who),
                name=who,
                password_hash=password_hash,
                role=role,
                organisation_id=org,
                active=True,
            )
            session.add(user)
            session.flush()
            world.users[who] = user.id
            if role in ("verifier", "metrology_reviewer"):
                session.add(UserOrganisation(user_id=user.id, organisation_id=a.id))
            token, prefix = new_api_key()
            key = ApiKey(user_id=user.id, name="test", prefix=prefix, key_hash=sha256(token))
            session.add(key)
            session.flush()
            world.keys[who] = token
            world.key_ids[who] = key.id
        token, prefix = new_api_key()
        session.add(
            ApiKey(
                user_id=world.users["enterprise"],
                name="revoked",
                prefix=prefix,
                key_hash=sha256(token),
                revoked_at=utcnow(),
            )
        )
        world.revoked_key = token
    return world


def complete_checklist(client: Any, world: World, result_id: int, who: str = "verifier") -> None:
    """Answer every item of a result's checklist "conform" (issue 14: an approval takes the
    checklist), for tests about what comes after an approval."""
    headers = world.bearer(who)
    listed = client.get(f"/api/results/{result_id}/checklist", headers=headers)
    assert listed.status_code == 200, listed.text
    for item in listed.json()["items"]:
        answered = client.put(
            f"/api/results/{result_id}/checklist/items/{item['id']}",
            json={"outcome": "conform"},
            headers=headers,
        )
        assert answered.status_code == 200, answered.text


def claim_periods(world: World) -> None:
    """A claimed offshore wind monitoring period of 甲 and one of 乙 (their meters in a register of
    their own, as the bundled example's)."""
    from importlib import resources

    import yaml

    from dualcarbon.io.project_yaml import project_from_mapping
    from dualcarbon.ledger.projects import claim_period
    from dualcarbon.projects.engine import account_project

    bundled = resources.files("dualcarbon.demo").joinpath("data", "projects")
    with resources.as_file(bundled.joinpath("offshore-wind-meters.yaml")) as meters:
        register = read_register(meters)
    document = yaml.safe_load(bundled.joinpath("offshore-wind.yaml").read_text(encoding="utf-8"))
    for owner, reference in ((ORG_A, "SCOPE-A"), (ORG_B, "SCOPE-B")):
        project = {**document["project"], "owner": owner, "id": reference}
        inventory = project_from_mapping({**document, "project": project}, source="scope.yaml")
        result = account_project(inventory, register=register)
        with session_scope(world.engine) as session:
            claimed = claim_period(session, TEST_SIGNER, inventory, result, claimed_by="seed")
        if owner == ORG_A:
            world.period_a = claimed.period_id
        else:
            world.period_b = claimed.period_id
