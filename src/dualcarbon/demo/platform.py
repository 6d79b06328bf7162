"""The demo platform: the demo plant's organisation and two peers, one user per role, the
plant's register and a year of data for each, lodged as evidence — what `make run` serves."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib import resources

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.api import registers, services
from dualcarbon.api.schemas import SignOffCreate
from dualcarbon.api.scope import Principal
from dualcarbon.api.settings import Settings
from dualcarbon.demo import (
    demo_cement_inventory_path,
    demo_footprint_path,
    demo_inventory_path,
    demo_park_path,
    demo_register_path,
)
from dualcarbon.footprint.model import validate_product_system
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io import read_inventory
from dualcarbon.io.gate_to_gate import resolve_gate_to_gate
from dualcarbon.io.product_yaml import dump_product_system, resolve_background
from dualcarbon.io.project_files import read_project
from dualcarbon.io.register_files import read_register
from dualcarbon.ledger.keys import load_signer
from dualcarbon.ledger.signing import Signer
from dualcarbon.pact import repository
from dualcarbon.pact.follow import platform_loader
from dualcarbon.pact.publication import Publication
from dualcarbon.security import Passwords
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation, User, UserOrganisation
from dualcarbon.store.repository import sync_factors

PASSWORD = "dualcarbon-demo"
USERS = (
    ("manager@demo.cn", "enterprise", "碳排放管理员 / carbon manager"),
    ("verifier@demo.cn", "verifier", "核查员 / verifier"),
    ("reviewer@demo.cn", "metrology_reviewer", "计量审查员 / metrology reviewer"),
    ("regulator@demo.cn", "regulator", "主管部门 / regulator"),
    ("admin@demo.cn", "admin", "管理员 / administrator"),
    ("maker@demo.cn", "enterprise", "产品碳足迹管理员（示范制造商） / product footprint manager"),
    ("developer@demo.cn", "project_developer", "项目业主（示例海上风电） / project developer"),
    ("cement@demo.cn", "enterprise", "碳排放与产品碳足迹管理员（示例水泥） / cement manufacturer"),
    ("park@demo.cn", "park_manager", "园区管理者（示范零碳产业园） / park manager"),
)

DEVELOPER = "示例海上风电有限公司"
"""The demo project developer: owner of the example offshore wind project (CCER-01-002-V01),
whose 2025 monitoring period the demo claims."""

CEMENT = "示例水泥有限公司"
"""The demo cement manufacturer: its 2025 inventory for the carbon market, and the clinker
footprint whose gate-to-gate stage is generated from it (a correction of the inventory publishes
a new version, announced to PACT clients)."""
CEMENT_FACILITY = "示例熟料基地"
CLINKER_PUBLICATION = {
    "company_name": CEMENT,
    "company_ids": ["urn:uuid:8d0c2f4e-1a3b-4c5d-9e6f-7a8b9c0d1e2f"],
    "product_ids": ["urn:gtin:6901234567878"],
    "classifications": ["urn:pact:productclassification:hs:252310"],
}
"""Publication facts of the demo clinker footprint (invented identifiers; HS 2523.10, cement
clinkers)."""
MAKER = "示范光伏储能制造有限公司"
"""The demo manufacturer: publishes the worked PV module and LFP battery pack footprints."""
PACT_CLIENT = ("demo-pact-client", "dualcarbon-demo-pact-secret")
"""Known PACT client credentials of the demo (a real client's are drawn at random)."""
PV_MASS_KG = 11.5
"""Mass of 1 m² of the demo PV module (illustrative, like the file's other numbers), for PACT's
productMassPerDeclaredUnit."""
DEMO_PUBLICATION = {
    "company_name": MAKER,
    "company_ids": ["urn:uuid:3f1c5a9e-6b2d-4e8f-9a7c-1d2e3f4a5b6c"],
}
"""Publication facts of the demo footprints (invented identifiers)."""
PRODUCTS = (
    (
        "pv-module-simple.yaml",
        "urn:gtin:6901234567892",
        {"mass": PV_MASS_KG},
        "urn:pact:productclassification:hs:854143",
    ),
    (
        "lfp-ev-battery-pack.yaml",
        "urn:gtin:6901234567885",
        None,
        "urn:pact:productclassification:hs:850760",
    ),
)
"""File, product id, product facts, classification: Harmonized System 2022 subheadings 8541.43
(photovoltaic cells assembled in modules or made up into panels) and 8507.60 (lithium-ion
accumulators), in PACT's ``urn:pact:productclassification:<scheme>:<code>`` form. Every
footprint carries one, so ``?classification=`` finds them (conformance case 23 filters by the
first footprint's classification)."""


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    label: str


PEERS = (
    ("华北示范热电有限公司", "一号热电厂", 0.55),
    ("东南示范发电有限公司", "沿海电厂", 0.8),
)
"""Further demo organisations for the regulator's view: the demo plant's year scaled by the
factor (fuel, electricity and production alike), so intensities stay those of a coal plant."""
PEER_COAL = {"华北示范热电有限公司": (1.012, 0.985), "东南示范发电有限公司": (0.992, 1.006)}
"""Each peer burns its own coal supply: its laboratory's carbon and NCV, as multiples of the demo
plant's, so that the factor validation sees three enterprises' coal, not one copied."""


def peer_inventory(
    inventory: Inventory, organisation: str, facility: str, scale: float
) -> Inventory:
    """The demo plant's inventory as another organisation's plant of ``scale`` its size."""
    amounts = {
        "fuel": ("consumption",),
        "electricity": ("amount",),
        "production": ("generation", "supply", "heat_supply"),
    }
    carbon, ncv = PEER_COAL.get(organisation, (1.0, 1.0))
    tables = {}
    for name, frame in inventory.tables.items():
        columns = [c for c in amounts.get(name, ()) if c in frame.columns]
        tables[name] = frame.with_columns(pl.col(c) * scale for c in columns)
    coal = pl.col("fuel") == "coal"
    tables["fuel"] = tables["fuel"].with_columns(
        pl.when(coal).then(pl.col("carbon_content") * carbon).otherwise(pl.col("carbon_content")),
        pl.when(coal).then(pl.col("ncv") * ncv).otherwise(pl.col("ncv")),
    )
    header = inventory.header.model_copy(
        update={"organisation": organisation, "facility": facility}
    )
    return dataclasses.replace(
        inventory, header=header, tables=tables, source=f"{facility}-{inventory.header.year}.yaml"
    )


def seed_demo_platform(settings: Settings) -> list[DemoLogin]:
    """Create the demo organisations, users, register and a year of results once (lodged as
    evidence, one of them signed off); later calls do nothing."""
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    inventory = read_inventory(demo_inventory_path())
    name = inventory.header.organisation
    ledger = load_signer()
    try:
        with session_scope(engine) as session:
            if session.scalar(select(Organisation).where(Organisation.name == name)) is not None:
                return _logins()
            sync_factors(session)
            organisation = Organisation(name=name)
            peers = [Organisation(name=peer) for peer, _, _ in PEERS]
            maker = Organisation(name=MAKER)
            developer = Organisation(name=DEVELOPER)
            cement = Organisation(name=CEMENT)
            session.add_all([organisation, *peers, maker, developer, cement])
            session.flush()
            passwords = Passwords(settings.password_memory_kib, settings.password_time_cost)
            users: dict[str, int] = {}
            for email, role, label in USERS:
                user = User(
                    email=email,
                    name=label,
                    password_hash=passwords.hash(PASSWORD),
                    role=role,
                    organisation_id=_own(email, organisation, maker, developer, cement).id
                    if role in ("enterprise", "project_developer")
                    else None,
                )
                session.add(user)
                session.flush()
                users.setdefault(role, user.id)
                if role in ("verifier", "metrology_reviewer"):
                    for assigned in (organisation, *peers[:1], developer):
                        session.add(UserOrganisation(user_id=user.id, organisation_id=assigned.id))
            session.commit()
            admin = services.principal_of(services.get_user(session, users["admin"]))
            registers.import_register(
                session, admin, organisation.id, read_register(demo_register_path()), ledger
            )
            services.import_inventory(session, admin, organisation.id, inventory, ledger)
            for peer, (peer_name, facility, scale) in zip(peers, PEERS, strict=True):
                services.import_inventory(
                    session,
                    admin,
                    peer.id,
                    peer_inventory(inventory, peer_name, facility, scale),
                    ledger,
                )
            _publish_demo_footprints(session, maker.id, passwords)
            _seed_cement_plant(session, admin, cement.id, ledger)
            _claim_demo_project(session, admin, users["project_developer"], developer.id, ledger)
            _seed_demo_park(session, admin, users["park_manager"], ledger)
            verifier = services.principal_of(services.get_user(session, users["verifier"]))
            first_peer = services.organisation_results(session, verifier, peers[0].id)[-1]
            _verify_demo_result(session, verifier, admin, first_peer.id)
            services.sign_off(
                session,
                verifier,
                first_peer.id,
                SignOffCreate(decision="approved", note="演示：核查通过 / demo: verified"),
                ledger,
            )
    finally:
        engine.dispose()
    return _logins()


def _seed_demo_park(session: Session, admin: Principal, manager_id: int, ledger: Signer) -> None:
    """The demo park: its four members' organisations and 2025 inventories, the park with its
    manager, the year's transfers and green electricity, and the CHP plant's details opened to
    the manager (the other members show only in the park's aggregates)."""
    from dualcarbon.api import parks
    from dualcarbon.io.park_files import read_park

    path = demo_park_path()
    park = read_park(path)
    organisations: dict[str, Organisation] = {}
    for member in park.members:
        inventory = read_inventory(path.parent / member.inventory)
        organisation = Organisation(name=inventory.header.organisation)
        session.add(organisation)
        session.commit()
        services.import_inventory(session, admin, organisation.id, inventory, ledger)
        organisations[member.name] = organisation
    header = park.park
    created = parks.create_park(
        session,
        admin,
        parks.ParkCreate(
            name=header.name,
            province=header.province,
            level=header.level,
            manager_id=manager_id,
            members=[
                parks.ParkMemberIn(organisation_id=organisations[m.name].id, utility=m.utility)
                for m in park.members
            ],
        ),
    )
    renamed = {name: organisation.name for name, organisation in organisations.items()}
    parks.declare_year(
        session,
        admin,
        created.id,
        header.year,
        parks.ParkYearBody(
            transfers=[
                {
                    **t.model_dump(by_alias=True),
                    "from": renamed[t.from_member],
                    "to": renamed[t.to_member],
                }
                for t in park.transfers
            ],
            green_electricity=[
                {**g.model_dump(), "member": renamed[g.member]} for g in park.green_electricity
            ],
            declared={k: v.model_dump(exclude_none=True) for k, v in park.declared.items()},
        ),
    )
    utility = next(m for m in park.members if m.utility)
    parks.grant_details(session, admin, organisations[utility.name].id, created.id, True)


def _own(email: str, *organisations: Organisation) -> Organisation:
    """The organisation a demo user of an organisation-bound role belongs to."""
    plant, maker, developer, cement = organisations
    if email.startswith("maker"):
        return maker
    if email.startswith("cement"):
        return cement
    return developer if email.startswith("developer") else plant


def _claim_demo_project(
    session: Session, admin: Principal, developer_id: int, organisation_id: int, ledger: Signer
) -> None:
    """The example offshore wind project's meters in its owner's register, and its 2025
    monitoring period claimed by the developer (readings of March–May taken conservatively)."""
    from dualcarbon.api import projects

    bundled = resources.files("dualcarbon.demo").joinpath("data", "projects")
    with resources.as_file(bundled.joinpath("offshore-wind-meters.yaml")) as meters:
        register = read_register(meters)
    registers.import_register(session, admin, organisation_id, register, ledger)
    developer = services.principal_of(services.get_user(session, developer_id))
    with resources.as_file(bundled.joinpath("offshore-wind.yaml")) as path:
        inventory = read_project(path)
    projects.claim_upload(session, developer, organisation_id, inventory, ledger)


def _verify_demo_result(
    session: Session, verifier: Principal, answering: Principal, result_id: int
) -> None:
    """The demo verifier's checklist of a peer's result: every item concluded, one
    non-conformity raised, answered by the enterprise and closed, so the approval (and its
    report) shows the whole procedure."""
    from dualcarbon.api import checklist

    state = checklist.checklist_state(session, verifier, result_id, with_checks=False)
    for entry in state.items:
        outcome = "not_applicable" if entry.item.id == "cems_comparison" else "conform"
        note = "演示：无在线监测 / demo: no CEMS" if outcome == "not_applicable" else ""
        checklist.answer_item(session, verifier, result_id, entry.item.id, outcome, note)
    finding = checklist.raise_finding(
        session,
        verifier,
        result_id,
        "laboratory",
        "演示：元素碳检测报告未注明 CMA 资质 / demo: carbon reports do not name CMA",
    )
    checklist.answer_finding(
        session,
        answering,  # the peer has no user of its own in the demo: the administrator answers
        result_id,
        finding.id,
        "演示：补充化验机构 CMA 证书 / demo: the laboratory's CMA certificate supplied",
    )
    checklist.close_finding(session, verifier, result_id, finding.id, "演示：已核实 / demo: seen")


def _publish_demo_footprints(session: Session, organisation_id: int, passwords: Passwords) -> None:
    """The worked PV module and battery pack, published as PACT v3 footprints of the demo
    manufacturer, and a PACT client with known credentials that may read them."""
    for name, product_id, product, classification in PRODUCTS:
        path = demo_footprint_path(name)
        raw = resolve_background(read_yaml_mapping(path), source=str(path))
        if product is not None:
            raw["product"] = product
        system = validate_product_system(raw, source=str(path))
        publication = Publication.model_validate(
            {**DEMO_PUBLICATION, "product_ids": [product_id], "classifications": [classification]}
        )
        repository.publish(
            session, organisation_id, system, dump_product_system(system), publication
        )
    repository.create_client(
        session, passwords, organisation_id, "演示合作方 / demo partner", credentials=PACT_CLIENT
    )
    session.commit()


def _seed_cement_plant(
    session: Session, admin: Principal, organisation_id: int, ledger: Signer
) -> None:
    """The cement plant's 2025 inventory stored and lodged, then its clinker footprint published
    with the gate-to-gate stage generated from that stored result."""
    services.import_inventory(
        session, admin, organisation_id, read_inventory(demo_cement_inventory_path()), ledger
    )
    path = demo_footprint_path("cement-clinker.yaml")
    raw = resolve_background(read_yaml_mapping(path), source=str(path))
    raw["gate_to_gate"] = {**raw["gate_to_gate"], "inventory": CEMENT_FACILITY}
    resolved = resolve_gate_to_gate(
        raw, source=str(path), load=platform_loader(session, organisation_id, 2025)
    )
    system = validate_product_system(resolved, source=str(path))
    repository.publish(
        session,
        organisation_id,
        system,
        dump_product_system(system),
        Publication.model_validate(CLINKER_PUBLICATION),
    )
    session.commit()


def _logins() -> list[DemoLogin]:
    return [DemoLogin(email, role, label) for email, role, label in USERS]


def footprint_publication_example(company_name: str) -> str:
    """The YAML a manufacturer uploads to publish a footprint, filled in for ``company_name``:
    the demo PV module's product system and its publication facts, with example identifiers
    (a company URN and a GTIN) the manufacturer replaces with its own."""
    import yaml

    name, product_id, product, classification = PRODUCTS[0]
    path = demo_footprint_path(name)
    system = read_yaml_mapping(path)
    if product is not None:
        system["product"] = {**system.get("product", {}), **product}
    document = {
        "publication": {
            "company_name": company_name,
            "company_ids": list(DEMO_PUBLICATION["company_ids"]),
            "product_ids": [product_id],
            "classifications": [classification],
        },
        "product_system": system,
    }
    heading = (
        "# 产品碳足迹发布示例（GB/T 24067-2024 / PACT v3）：publication 为发布信息，"
        "product_system 为产品系统模型。\n"
        "# company_ids 与 product_ids 为示例标识符（urn:uuid:…、urn:gtin:…），"
        "发布前请替换为本单位与产品的实际标识符。\n"
    )
    return heading + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
