"""The store: organisations, facilities, inventories, results and factor versions in SQL.

SQLite by default, PostgreSQL by URL (``DUALCARBON_DATABASE_URL``); the schema is created and
upgraded by the Alembic migrations shipped in ``store/migrations``. Stored results are immutable:
re-computing adds a new result beside the old one (docs/decisions/0002-store.md).
"""

from dualcarbon.store.database import (
    current_revision,
    data_dir,
    database_url,
    downgrade,
    head_revision,
    make_engine,
    session_scope,
    stored_session,
    upgrade,
)
from dualcarbon.store.models import (
    Facility,
    FactorVersion,
    Organisation,
    StoredInventory,
    StoredResult,
)
from dualcarbon.store.repository import (
    FactorSync,
    get_result,
    list_results,
    load_inventory,
    load_result,
    result_lines,
    result_payload,
    save_inventory,
    save_result,
    sync_factors,
)

__all__ = [
    "Facility",
    "FactorSync",
    "FactorVersion",
    "Organisation",
    "StoredInventory",
    "StoredResult",
    "current_revision",
    "data_dir",
    "database_url",
    "downgrade",
    "get_result",
    "head_revision",
    "list_results",
    "load_inventory",
    "load_result",
    "make_engine",
    "result_lines",
    "result_payload",
    "save_inventory",
    "save_result",
    "session_scope",
    "stored_session",
    "sync_factors",
    "upgrade",
]
