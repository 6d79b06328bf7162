"""Keep an accounting run: its inventory and its immutable result, in one transaction."""

from __future__ import annotations

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.errors import AlreadyStoredError
from dualcarbon.ledger.keys import load_signer
from dualcarbon.ledger.lodging import evidence_of_inventory, lodge_inventory, lodge_results
from dualcarbon.store import save_inventory, save_result, stored_session
from dualcarbon.store.repository import stored_inventory, sync_factors


def store_result(inventory: Inventory, result: AccountingResult, url: str | None = None) -> int:
    """Save inventory and result (creating or upgrading the database first); the result id.

    The database comes from ``url``, else ``DUALCARBON_DATABASE_URL``, else the embedded SQLite
    file. Nothing is written if any step fails. An inventory stored already (same content, same
    organisation, facility and year) is refused with :class:`AlreadyStoredError`, as the web
    refuses it.
    """
    with stored_session(url) as session:
        sync_factors(session)
        facility = inventory.header.facility or inventory.header.organisation
        already = stored_inventory(session, inventory.header.organisation, facility, inventory)
        if already is not None:
            raise AlreadyStoredError(already.id, already.source)
        stored = save_inventory(session, inventory.header.organisation, facility, inventory)
        organisation_id = stored.facility.organisation_id
        signer = load_signer()
        if not evidence_of_inventory(session, stored.id):
            lodge_inventory(session, signer, organisation_id, stored, inventory, submitted_by="cli")
        row = save_result(session, stored, result)
        lodge_results(session, signer, organisation_id, submitted_by="cli")
        return int(row.id)
