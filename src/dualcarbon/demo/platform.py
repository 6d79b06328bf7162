"""The demo platform: the demo plant's organisation, one user per role, its register and a year
of data lodged as evidence — what `make run` serves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dualcarbon.api import services
from dualcarbon.api.security import Passwords
from dualcarbon.api.settings import Settings
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.io import read_inventory
from dualcarbon.ledger.keys import load_signer
from dualcarbon.metrology.register_io import read_register
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation, User, UserOrganisation
from dualcarbon.store.repository import save_register, sync_factors

PASSWORD = "dualcarbon-demo"
USERS = (
    ("manager@demo.cn", "enterprise", "碳排放管理员 / carbon manager"),
    ("verifier@demo.cn", "verifier", "核查员 / verifier"),
    ("reviewer@demo.cn", "metrology_reviewer", "计量审查员 / metrology reviewer"),
    ("regulator@demo.cn", "regulator", "主管部门 / regulator"),
    ("admin@demo.cn", "admin", "管理员 / administrator"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    label: str


def seed_demo_platform(settings: Settings) -> list[DemoLogin]:
    """Create the demo organisation, users, register and result once; later calls do nothing."""
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    inventory = read_inventory(demo_inventory_path())
    name = inventory.header.organisation
    try:
        with session_scope(engine) as session:
            if session.scalar(select(Organisation).where(Organisation.name == name)) is None:
                sync_factors(session)
                organisation = Organisation(name=name)
                session.add(organisation)
                session.flush()
                passwords = Passwords(settings.password_memory_kib, settings.password_time_cost)
                for email, role, label in USERS:
                    user = User(
                        email=email,
                        name=label,
                        password_hash=passwords.hash(PASSWORD),
                        role=role,
                        organisation_id=organisation.id if role == "enterprise" else None,
                    )
                    session.add(user)
                    session.flush()
                    if role in ("verifier", "metrology_reviewer"):
                        session.add(
                            UserOrganisation(user_id=user.id, organisation_id=organisation.id)
                        )
                save_register(session, name, read_register(demo_register_path()))
                session.commit()
                admin = session.scalar(select(User).where(User.role == "admin"))
                assert admin is not None
                services.import_inventory(
                    session,
                    services.principal_of(services.get_user(session, admin.id)),
                    organisation.id,
                    inventory,
                    load_signer(),
                )
    finally:
        engine.dispose()
    return [DemoLogin(email, role, label) for email, role, label in USERS]
