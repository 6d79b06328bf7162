"""Saving and reading inventories, results and factors, on a real database (no mocks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.errors import StoreError
from dualcarbon.factors import FactorCatalogue, default_catalogue
from dualcarbon.io import read_inventory
from dualcarbon.methodologies.definition import Methodology, get_methodology
from dualcarbon.store import (
    Facility,
    FactorVersion,
    Organisation,
    StoredInventory,
    StoredResult,
    get_result,
    list_results,
    load_inventory,
    load_result,
    result_lines,
    result_payload,
    save_inventory,
    save_result,
    session_scope,
    sync_factors,
)


def _grid_factor_id() -> str:
    """The grid factor the power methodology uses for 2024, read from its definition.

    Read rather than written out, so these tests follow the methodology data as it is revised.
    """
    methodology = get_methodology("cn-mee-power-2022")
    source = methodology.source("purchased_electricity")
    assert source is not None
    key = methodology.factor_for(source, 2024)
    assert key is not None
    return default_catalogue().get(key).id


GRID = _grid_factor_id()


def _store(engine: Engine, inventory: Inventory, result: AccountingResult) -> int:
    with session_scope(engine) as session:
        stored = save_inventory(
            session, inventory.header.organisation, inventory.header.facility, inventory
        )
        return save_result(session, stored, result).id


def _newer_grid() -> tuple[Methodology, FactorCatalogue]:
    """A revised methodology and a catalogue whose grid factor has a second version."""
    base = default_catalogue()
    old = base.get(GRID)
    new = old.model_copy(update={"version": 2, "value": 0.5366, "supersedes": old.ref})
    methodology = get_methodology("cn-mee-power-2022").model_copy(update={"version": 2})
    return methodology, FactorCatalogue([*base, new])


def _assert_close(got: object, expected: object, path: str = "$") -> None:
    """Equal JSON trees, floats compared to 1e-12 relative."""
    if isinstance(expected, float) and isinstance(got, float):
        assert got == pytest.approx(expected, rel=1e-12), path
    elif isinstance(expected, dict) and isinstance(got, dict):
        assert got.keys() == expected.keys(), path
        for key in expected:
            _assert_close(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(got, list):
        assert len(got) == len(expected), path
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            _assert_close(a, b, f"{path}[{index}]")
    else:
        assert got == expected, path


def _count(engine: Engine, model: type[object]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- inventories ---------------------------------------------------------------------------------


def test_inventory_round_trips_and_reruns_to_the_same_total(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    with session_scope(engine) as session:
        stored = save_inventory(session, "华能测试", "一号电厂", inventory)
        inventory_id = stored.id
    with session_scope(engine) as session:
        row = session.get_one(StoredInventory, inventory_id)
        assert (row.year, row.methodology_id, row.source) == (
            2024,
            "cn-mee-power-2022",
            "inventory-2024.xlsx",
        )
        assert row.facility.region == "CN"
        assert row.facility.organisation.name == "华能测试"
        assert row.created_at.tzinfo is not None
        reloaded = load_inventory(row)
    assert reloaded.digest() == inventory.digest()
    assert reloaded.sheets == inventory.sheets
    for name, frame in inventory.tables.items():
        assert_frame_equal(reloaded.tables[name], frame)
    assert account(reloaded).total() == pytest.approx(result.total(), rel=1e-15)


def test_same_inventory_is_stored_once(
    engine: Engine, inventory: Inventory, inventory_factory: Callable[..., Inventory]
) -> None:
    with session_scope(engine) as session:
        first = save_inventory(session, "华能测试", "一号电厂", inventory).id
    with session_scope(engine) as session:
        again = save_inventory(session, "华能测试", "一号电厂", inventory_factory()).id
        other = save_inventory(session, "华能测试", "一号电厂", inventory_factory(coal_t=1001.0)).id
    assert again == first
    assert other != first
    assert _count(engine, StoredInventory) == 2
    assert _count(engine, Organisation) == 1
    assert _count(engine, Facility) == 1


def test_damaged_inventory_payload_is_reported(engine: Engine, inventory: Inventory) -> None:
    with session_scope(engine) as session:
        row = save_inventory(session, "华能测试", "一号电厂", inventory)
        row.inventory_json = row.inventory_json.replace("1000.0", "100.0", 1)
        with pytest.raises(StoreError, match="no longer match digest"):
            load_inventory(row)


def test_blank_facility_name_is_refused(engine: Engine, inventory: Inventory) -> None:
    with (
        pytest.raises(StoreError, match="facility name is empty"),
        session_scope(engine) as session,
    ):
        save_inventory(session, "华能测试", "  ", inventory)
    assert _count(engine, Organisation) == 0  # all or nothing: the organisation went too


def test_failed_import_stores_nothing(engine: Engine, inventory: Inventory) -> None:
    with pytest.raises(RuntimeError, match="boom"), session_scope(engine) as session:
        save_inventory(session, "华能测试", "一号电厂", inventory)
        raise RuntimeError("boom")
    assert _count(engine, StoredInventory) == 0
    assert _count(engine, Organisation) == 0


# -- results -------------------------------------------------------------------------------------


def test_result_round_trips_total_lines_and_json(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    result_id = _store(engine, inventory, result)
    with session_scope(engine) as session:
        row = get_result(session, result_id)
        assert row is not None
        assert row.total_tco2e == pytest.approx(result.total(), rel=1e-12)
        assert row.methodology == "cn-mee-power-2022@1"
        assert row.factor_refs == result.meta.factors
        assert f"{GRID}@1" in row.factor_refs
        assert row.computed_at == result.meta.computed_at
        assert row.engine_version == result.meta.engine
        assert row.line_count == result.lines.height
        assert row.inventory.facility.organisation.name == "华能测试"
        lines = result_lines(row)
        payload = result_payload(row)
        reloaded = load_result(row)
    assert_frame_equal(lines, result.lines, check_exact=True)
    assert payload["total_tco2e"] == row.total_tco2e
    # Sums may differ in the last bit between renderings (Polars' summation order follows the
    # memory layout of the lines), hence a relative tolerance far below any reported digit.
    _assert_close(payload, result.to_json_dict())
    _assert_close(reloaded.to_json_dict(), payload)
    _assert_close(reloaded.to_json_dict(lang="en"), result.to_json_dict(lang="en"))


def test_result_of_another_inventory_is_refused(
    engine: Engine, inventory: Inventory, inventory_factory: Callable[..., Inventory]
) -> None:
    other = account(inventory_factory(coal_t=5.0))
    with (
        pytest.raises(StoreError, match="computed from inventory"),
        session_scope(engine) as session,
    ):
        stored = save_inventory(session, "华能测试", "一号电厂", inventory)
        save_result(session, stored, other)
    assert _count(engine, StoredResult) == 0


def test_saving_the_same_result_twice_keeps_one_row(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    assert _store(engine, inventory, result) == _store(engine, inventory, result)
    assert _count(engine, StoredResult) == 1


def test_newer_methodology_and_factors_make_a_second_result(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    methodology, catalogue = _newer_grid()
    newer = account(inventory, methodology=methodology, catalogue=catalogue)
    first = _store(engine, inventory, result)
    second = _store(engine, inventory, newer)
    assert second != first
    with session_scope(engine) as session:
        rows = list_results(session)
        assert [r.id for r in rows] == [first, second]
        old, new = (get_result(session, first), get_result(session, second))
        assert old is not None and new is not None
        assert old.inventory_id == new.inventory_id
        assert (old.methodology, new.methodology) == ("cn-mee-power-2022@1", "cn-mee-power-2022@2")
        assert f"{GRID}@1" in old.factor_refs and f"{GRID}@2" in new.factor_refs
        assert old.total_tco2e == pytest.approx(result.total(), rel=1e-12)  # untouched
        reloaded = load_result(new, catalogue)
    assert reloaded.factors[f"{GRID}@2"].value == 0.5366
    assert _count(engine, StoredInventory) == 1


def test_list_results_by_organisation(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    a = inventory_factory(organisation="甲公司", facility="A厂")
    b = inventory_factory(organisation="乙公司", facility="B厂")
    id_a = _store(engine, a, account(a))
    id_b = _store(engine, b, account(b))
    with session_scope(engine) as session:
        assert [r.id for r in list_results(session, "甲公司")] == [id_a]
        assert [r.id for r in list_results(session, "乙公司")] == [id_b]
        assert list_results(session, "丙公司") == []
        everything = list_results(session)
        full = get_result(session, id_a)  # seen by the listing first, payloads deferred there
    assert full is not None
    assert result_payload(full)["total_tco2e"] == full.total_tco2e  # loaded, even after close
    # owner names stay readable after the session has closed
    assert {r.inventory.facility.organisation.name for r in everything} == {"甲公司", "乙公司"}
    with session_scope(engine) as session:
        assert get_result(session, 10_000) is None


# -- immutability --------------------------------------------------------------------------------


def test_orm_refuses_to_update_a_result(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    result_id = _store(engine, inventory, result)
    # The ORM's own guards answer (their messages), before any SQL reaches the trigger.
    with pytest.raises(StoreError, match="cannot be changed"), session_scope(engine) as session:
        row = session.get_one(StoredResult, result_id)
        row.total_tco2e = 0.0
    with pytest.raises(StoreError, match="bulk update"), session_scope(engine) as session:
        session.execute(update(StoredResult).values(total_tco2e=0.0))
    with session_scope(engine) as session:
        stored = session.get_one(StoredResult, result_id).total_tco2e
    assert stored == pytest.approx(result.total(), rel=1e-12)


def test_orm_refuses_to_delete_a_result(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    result_id = _store(engine, inventory, result)
    with pytest.raises(StoreError, match="cannot be deleted"), session_scope(engine) as session:
        session.delete(session.get_one(StoredResult, result_id))
    with pytest.raises(StoreError, match="bulk update or delete"), session_scope(engine) as session:
        session.execute(delete(StoredResult))
    assert _count(engine, StoredResult) == 1


def test_database_refuses_raw_sql_update(
    engine: Engine, inventory: Inventory, result: AccountingResult
) -> None:
    result_id = _store(engine, inventory, result)
    with pytest.raises(DBAPIError, match="results are immutable"), engine.begin() as connection:
        connection.execute(
            text("UPDATE results SET total_tco2e = 0 WHERE id = :id"), {"id": result_id}
        )
    # Through a session the trigger's refusal arrives as a StoreError too.
    with pytest.raises(StoreError, match="database refused"), session_scope(engine) as session:
        session.execute(text("UPDATE results SET methodology = 'forged@1'"))
    with session_scope(engine) as session:
        row = session.get_one(StoredResult, result_id)
        assert row.methodology == "cn-mee-power-2022@1"
        assert row.total_tco2e == pytest.approx(result.total(), rel=1e-12)


# -- factor versions -----------------------------------------------------------------------------


def test_factor_sync_is_idempotent(engine: Engine) -> None:
    catalogue = default_catalogue()
    with session_scope(engine) as session:
        first = sync_factors(session, catalogue)
    with session_scope(engine) as session:
        second = sync_factors(session)
    assert (first.added, first.marked_superseded) == (len(catalogue), 0)
    assert (second.added, second.marked_superseded, second.unchanged) == (0, 0, len(catalogue))
    assert _count(engine, FactorVersion) == len(catalogue)
    with session_scope(engine) as session:
        grid = session.get_one(FactorVersion, f"{GRID}@1")
        original = catalogue.get(f"{GRID}@1")
        stored = {
            name: getattr(grid, name)
            for name in ("id", "version", "kind", "subject", "gas", "value", "unit", "year")
        }
        assert stored == {
            name: getattr(original, name)
            for name in ("id", "version", "kind", "subject", "gas", "value", "unit", "year")
        }
        assert (grid.source_id, grid.source_table) == (original.source.id, original.table)
        assert (grid.region, grid.superseded) == (original.effective_region, False)


def test_factor_sync_adds_new_versions_and_marks_superseded(engine: Engine) -> None:
    _, newer = _newer_grid()
    with session_scope(engine) as session:
        sync_factors(session)
    with session_scope(engine) as session:
        report = sync_factors(session, newer)
    assert (report.added, report.marked_superseded) == (1, 1)
    with session_scope(engine) as session:
        again = sync_factors(session, newer)
        assert session.get_one(FactorVersion, f"{GRID}@1").superseded
        assert not session.get_one(FactorVersion, f"{GRID}@2").superseded
    assert (again.added, again.marked_superseded, again.unchanged) == (0, 0, len(newer))


def test_factor_edited_in_place_is_refused(engine: Engine) -> None:
    base = default_catalogue()
    edited = FactorCatalogue(
        [f.model_copy(update={"value": 0.6}) if f.id == GRID else f for f in base]
    )
    with session_scope(engine) as session:
        sync_factors(session, base)
    with (
        pytest.raises(StoreError, match=r"grid@1 differs .* in value"),
        session_scope(engine) as session,
    ):
        sync_factors(session, edited)


@pytest.mark.parametrize("sector", ["cement", "aluminium", "steel"])
def test_a_sector_result_keeps_every_lines_inputs(engine: Engine, sector: str) -> None:
    """Lines of the equation evaluator carry their inputs as a list (slot, value, unit, tier,
    reference, u): stored and read back, the long table of inputs, the total and the JSON are
    those computed (issue 13)."""
    example = Path(__file__).parents[2] / "examples" / f"{sector}-2025.yaml"
    inventory = read_inventory(example)
    result = account(inventory)
    result_id = _store(engine, inventory, result)
    with session_scope(engine) as session:
        row = get_result(session, result_id)
        assert row is not None
        reloaded = load_result(row)
        payload = result_payload(row)
    assert_frame_equal(reloaded.inputs, result.inputs, check_exact=True)
    assert reloaded.total() == pytest.approx(result.total(), rel=1e-12)
    _assert_close(payload, result.to_json_dict())
