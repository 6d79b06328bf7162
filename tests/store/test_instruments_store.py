"""Registers of measuring instruments in the store (migration 0002), on every reachable backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from dualcarbon.errors import StoreError
from dualcarbon.io.register_files import read_register
from dualcarbon.metrology import Accuracy, CalibrationRecord, CalibrationResult, Register
from dualcarbon.store import current_revision, downgrade, make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation, StoredCalibration, StoredInstrument
from dualcarbon.store.repository import load_register, register_organisations, save_register

DEMO = Path(__file__).parents[2] / "src/dualcarbon/demo/data/demo-register.yaml"
ORG = "示范能源集团有限公司"
BEFORE = {"organisations", "facilities", "inventories", "results", "factor_versions"}
ADDED = {"instruments", "calibrations"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _demo() -> Register:
    return read_register(DEMO)


def _count(engine: Engine, model: type[object]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- migration -----------------------------------------------------------------------------------


def test_0002_upgrades_and_downgrades_cleanly(db_url: str) -> None:
    upgrade(db_url, "0001")
    assert _tables(db_url) == BEFORE
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO organisations (id, name) VALUES (1, '甲')"))
        upgrade(db_url, "0002")
        assert current_revision(db_url) == "0002"
        assert _tables(db_url) == BEFORE | ADDED
        with engine.begin() as connection:  # 0002's tables take an instrument and its record
            # (written in 0002's columns: the head models name columns later migrations add)
            connection.execute(
                text(
                    "INSERT INTO instruments (id, organisation_id, code, name, quantity, energy,"
                    " unit, level, kind, accuracy, serial, owner, interval_months, note,"
                    " updated_at) VALUES (1, 1, 'BS-101', '皮带秤', '质量', 'coal', '#1',"
                    " 'secondary', 'weigher_dynamic', '0.5', '', '', 12, '', :now)"
                ),
                {"now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
            )
            connection.execute(
                text(
                    "INSERT INTO calibrations (id, instrument_id, date, institute, certificate,"
                    " result, traceable_to, uncertainty_unit, created_at) VALUES (1, 1,"
                    " :day, '', 'C-1', 'pass', '', '%', :now)"
                ),
                {"day": dt.date(2025, 3, 1), "now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
            )
        downgrade(db_url, "0001")
        assert current_revision(db_url) == "0001"
        assert _tables(db_url) == BEFORE
        with engine.connect() as connection:  # 0001's data survive the round trip
            assert connection.execute(text("SELECT name FROM organisations")).scalars().all() == [
                "甲"
            ]
        upgrade(db_url)
        assert _tables(db_url) >= BEFORE | ADDED
        downgrade(db_url, "base")
        assert _tables(db_url) == set()
    finally:
        engine.dispose()


# -- saving and loading --------------------------------------------------------------------------


def test_register_round_trips(engine: Engine) -> None:
    register = _demo()
    with session_scope(engine) as session:
        sync = save_register(session, ORG, register)
    assert (sync.instruments_added, sync.calibrations_added) == (5, 11)
    with session_scope(engine) as session:
        loaded = load_register(session, ORG)
        assert register_organisations(session) == [ORG]
        assert load_register(session, "无此单位") is None
    # metering points are stored too (migration 0007), so the review runs on the stored register
    assert loaded == register
    with session_scope(engine) as session:
        gk = session.scalars(select(StoredInstrument).where(StoredInstrument.code == "GK-01")).one()
        assert (gk.accuracy, gk.interval_months, gk.application) == (
            "0.2S",
            72,
            "electricity_ac_class_I",
        )
        (record,) = gk.calibrations
        assert record.date == dt.date(2021, 5, 18)
        assert (record.expanded_uncertainty, record.coverage_factor) == (0.06, 2.0)
        assert gk.updated_at.tzinfo is not None


def test_saving_again_changes_nothing(engine: Engine) -> None:
    for _ in range(2):
        with session_scope(engine) as session:
            sync = save_register(session, ORG, _demo())
    assert (sync.instruments_added, sync.instruments_updated, sync.instruments_unchanged) == (
        0,
        0,
        5,
    )
    assert (sync.calibrations_added, sync.calibrations_unchanged) == (0, 11)
    assert _count(engine, StoredInstrument) == 5
    assert _count(engine, StoredCalibration) == 11


def test_changed_instrument_is_updated_and_new_records_added(engine: Engine) -> None:
    register = _demo()
    with session_scope(engine) as session:
        save_register(session, ORG, register)
    replaced = register.instruments[0].model_copy(update={"accuracy": Accuracy.parse("0.2")})
    record = CalibrationRecord(
        instrument_id="BS-101",
        date=dt.date(2026, 4, 2),
        result="pass",  # type: ignore[arg-type]
        certificate="JD2026-0350",
    )
    newer = register.model_copy(
        update={
            "instruments": (replaced, *register.instruments[1:]),
            "calibrations": (*register.calibrations, record),
        }
    )
    with session_scope(engine) as session:
        sync = save_register(session, ORG, newer)
    assert (sync.instruments_updated, sync.instruments_unchanged) == (1, 4)
    assert (sync.calibrations_added, sync.calibrations_unchanged) == (1, 11)
    with session_scope(engine) as session:
        loaded = load_register(session, ORG)
    assert loaded is not None
    assert str(loaded.instruments[0].accuracy) == "0.2"
    assert loaded.records_for("BS-101")[-1].certificate == "JD2026-0350"


def test_a_stored_record_is_never_edited(engine: Engine) -> None:
    register = _demo()
    with session_scope(engine) as session:
        save_register(session, ORG, register)
    first = register.calibrations[0].model_copy(update={"result": CalibrationResult.FAIL})
    moved = register.instruments[1].model_copy(update={"owner": "新部门"})
    edited = register.model_copy(
        update={
            "instruments": (register.instruments[0], moved, *register.instruments[2:]),
            "calibrations": (first, *register.calibrations[1:]),
        }
    )
    with (
        pytest.raises(StoreError, match=r"BS-101 on 2023-03-01 .* differs .* in result"),
        session_scope(engine) as session,
    ):
        save_register(session, ORG, edited)
    with session_scope(engine) as session:  # all or nothing: the owner change went too
        loaded = load_register(session, ORG)
    assert loaded == register


def test_registers_are_scoped_by_organisation(engine: Engine) -> None:
    register = _demo()
    other = register.model_copy(
        update={
            "instruments": register.instruments[:1],
            "calibrations": register.calibrations[:1],
            "points": (),
        }
    )
    with session_scope(engine) as session:
        save_register(session, "甲公司", register)
        save_register(session, "乙公司", other)  # the same instrument codes, another owner
    with session_scope(engine) as session:
        assert register_organisations(session) == sorted(["甲公司", "乙公司"])
        a, b = load_register(session, "甲公司"), load_register(session, "乙公司")
    assert a is not None and b is not None
    assert [i.id for i in a.instruments] == ["BS-101", "BS-201", "FO-1", "FO-2", "GK-01"]
    assert [i.id for i in b.instruments] == ["BS-101"]
    assert len(b.calibrations) == 1
    assert _count(engine, Organisation) == 2


def test_overlong_code_is_refused(engine: Engine) -> None:
    register = _demo()
    long_id = "X" * 101
    instrument = register.instruments[0].model_copy(update={"id": long_id})
    with (
        pytest.raises(StoreError, match="longer than 100"),
        session_scope(engine) as session,
    ):
        save_register(session, ORG, Register(instruments=(instrument,)))
    assert _count(engine, Organisation) == 0
