"""Who is asking, in one statement per request (``dualcarbon.api.principals``; issue 12, server
speed; docs/decisions/0013-server-speed.md): the join of key or session, user and assignments
must say exactly what the ORM objects said, and refuse what they refused."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from dualcarbon.api import principals
from dualcarbon.api.scope import Role
from dualcarbon.security import sha256
from dualcarbon.store.models import ApiKey, User, UserOrganisation, WebSession, utcnow

from .world import World


def _statements(world: World) -> list[str]:
    seen: list[str] = []
    event.listen(world.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_key_names_its_user_with_every_assigned_organisation(world: World) -> None:
    with Session(world.engine) as session:
        session.add(UserOrganisation(user_id=world.users["verifier"], organisation_id=world.org_b))
        session.commit()
        verifier = principals.for_api_key(session, world.keys["verifier"])
        enterprise = principals.for_api_key(session, world.keys["enterprise"])
        regulator = principals.for_api_key(session, world.keys["regulator"])
    assert verifier is not None and enterprise is not None and regulator is not None
    assert verifier.user_id == world.users["verifier"]
    assert verifier.role is Role.VERIFIER
    assert verifier.assigned == frozenset({world.org_a, world.org_b})  # two rows of the join
    assert verifier.email == world.email("verifier")
    assert enterprise.organisation_id == world.org_a and enterprise.assigned == frozenset()
    assert regulator.organisation_id is None and regulator.assigned == frozenset()


def test_a_known_key_is_one_statement(world: World) -> None:
    with Session(world.engine) as session:
        assert principals.for_api_key(session, world.keys["verifier"]) is not None  # notes use
        seen = _statements(world)
        assert principals.for_api_key(session, world.keys["verifier"]) is not None
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1


def test_revoked_forged_and_deactivated_keys_name_nobody(world: World) -> None:
    with Session(world.engine) as session:
        assert principals.for_api_key(session, world.revoked_key) is None
        forged = world.keys["enterprise"][:-4] + "AAAA"  # the right prefix, a wrong secret
        assert principals.for_api_key(session, forged) is None
        assert principals.for_api_key(session, "not a key") is None
        session.execute(
            update(User).where(User.id == world.users["regulator"]).values(active=False)
        )
        session.commit()
        assert principals.for_api_key(session, world.keys["regulator"]) is None


def test_a_key_notes_when_it_was_last_used(world: World) -> None:
    with Session(world.engine) as session:
        assert principals.for_api_key(session, world.keys["admin"]) is not None
        used = session.get(ApiKey, world.key_ids["admin"])
        assert used is not None and used.last_used_at is not None


def test_a_session_names_its_user_until_it_expires_or_the_epoch_moves(world: World) -> None:
    token = "a-session-token"
    with Session(world.engine) as session:
        session.add(
            UserOrganisation(user_id=world.users["metrology_reviewer"], organisation_id=world.org_b)
        )
        session.add(
            WebSession(
                user_id=world.users["metrology_reviewer"],
                token_hash=sha256(token),
                expires_at=utcnow().replace(year=utcnow().year + 1),
            )
        )
        session.commit()
        found = principals.for_session(session, token)
        assert found is not None
        assert found.role is Role.METROLOGY_REVIEWER
        assert found.assigned == frozenset({world.org_a, world.org_b})
        assert principals.for_session(session, "another-token") is None
        session.execute(
            update(User)
            .where(User.id == world.users["metrology_reviewer"])
            .values(session_epoch=User.session_epoch + 1)
        )
        session.commit()
        assert principals.for_session(session, token) is None  # sessions ended (decision 0010)
