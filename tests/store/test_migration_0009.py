"""Migration 0009 names each stored entry's subject, keeps the duplicates an earlier race lodged
(append-only: they stay, without a subject), and goes down and up again on both backends."""

from __future__ import annotations

import json

from sqlalchemy import text

from dualcarbon.store import current_revision, downgrade, make_engine, upgrade


def _entry(sequence: int, content: dict[str, object]) -> dict[str, object]:
    return {
        "s": sequence,
        "c": json.dumps(content),
        "h": f"{sequence:064x}",
        "i": content.get("inventory_id"),
    }


def test_0009_backfills_subjects_and_keeps_race_duplicates(db_url: str) -> None:
    upgrade(db_url, "0008")
    engine = make_engine(db_url)
    submission = {"kind": "submission", "inventory_id": 1}
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO organisations (id, name) VALUES (1, '甲')"))
            connection.execute(
                text(
                    "INSERT INTO facilities (id, organisation_id, name, region)"
                    " VALUES (1, 1, 'a', 'CN')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO inventories (id, facility_id, year, methodology_id, source,"
                    " digest, created_at, inventory_json) VALUES (:i, 1, 2024, 'm', 's', :d,"
                    " CURRENT_TIMESTAMP, '{}')"
                ),
                [{"i": i, "d": f"{i:064x}"} for i in (1, 2, 3)],
            )
            rows = [
                _entry(0, submission),
                _entry(1, submission),  # the race of issue 12: one inventory lodged twice
                _entry(
                    2, {"kind": "correction", "inventory_id": 2, "corrects": {"inventory_id": 1}}
                ),
                _entry(
                    3, {"kind": "correction", "inventory_id": 3, "corrects": {"inventory_id": 1}}
                ),
                _entry(4, {"kind": "calibration", "calibration_id": 9}),
            ]
            connection.execute(
                text(
                    "INSERT INTO evidence_entries (log_id, sequence, organisation_id, inventory_id,"
                    " content_json, leaf_hash, created_at) VALUES ('org:1', :s, 1, :i, :c, :h,"
                    " CURRENT_TIMESTAMP)"
                ),
                rows,
            )
        upgrade(db_url, "0009")
        assert current_revision(db_url) == "0009"
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT subject, corrects_id FROM evidence_entries ORDER BY sequence")
            ).all()
        assert [tuple(row) for row in found] == [
            ("inventory:1", None),
            (None, None),
            ("inventory:2", 1),
            ("inventory:3", None),
            ("calibration:9", None),
        ]
        downgrade(db_url, "0008")
        upgrade(db_url)
    finally:
        engine.dispose()
