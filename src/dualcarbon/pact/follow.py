"""Footprints that follow the enterprise's inventory on the platform (issue 17, item 1).

A product system published with ``gate_to_gate: {inventory: <facility>, …}`` takes its
gate-to-gate process from the organisation's newest stored inventory of that facility for the
system's year (:func:`platform_loader`). When an inventory of that facility and year is stored
again — a correction — :func:`follow_inventory` generates every such footprint afresh and, where
the inventory it rests on has changed, publishes it as a new version (the old one deprecated,
its id among the new one's ``precedingPfIds``), with the publication facts of the version it
replaces. The caller announces the new versions to the organisation's PACT clients.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.footprint.model import validate_product_system
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.io.gate_to_gate import Loaded, Loader, resolve_gate_to_gate
from dualcarbon.io.product_yaml import dump_product_system
from dualcarbon.pact.publication import EmissionFactorSource, Publication
from dualcarbon.pact.repository import organisation_footprints, publish
from dualcarbon.store.models import StoredProductFootprint
from dualcarbon.store.repository import latest_account


def platform_loader(session: Session, organisation_id: int, year: int) -> Loader:
    """Reads ``inventory`` as the name of one of the organisation's facilities."""

    def load(facility: str) -> Loaded:
        found = latest_account(session, organisation_id, facility, year)
        if found is None:
            raise InputError(
                [
                    InputProblem(
                        "inventory",
                        f"the organisation has no stored inventory of facility {facility!r} for "
                        f"{year}: submit it first",
                        field="inventory",
                        value=facility,
                    )
                ]
            )
        return found

    return load


def publication_of(document: dict[str, Any]) -> Publication:
    """The publication facts of a published PACT document, to publish its next version with."""
    pcf = document.get("pcf", {})
    return Publication(
        company_name=document["companyName"],
        company_ids=tuple(document["companyIds"]),
        product_ids=tuple(document["productIds"]),
        product_name=document.get("productNameCompany"),
        product_description=document.get("productDescription"),
        classifications=tuple(document.get("productClassifications", ())),
        comment=document.get("comment", ""),
        cross_sectoral_standards=tuple(pcf.get("crossSectoralStandards", ("ISO14067",))),
        secondary_emission_factor_sources=tuple(
            EmissionFactorSource.model_validate(s)
            for s in pcf.get("secondaryEmissionFactorSources", ())
        ),
        packaging_emissions_included=pcf.get("packagingEmissionsIncluded"),
        validity_start=_time(document.get("validityPeriodStart")),
        validity_end=_time(document.get("validityPeriodEnd")),
    )


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Followed:
    """What :func:`follow_inventory` did: the new versions' ids, and each footprint it could
    not follow with the reason (the inventory is stored whatever happens here)."""

    published: tuple[str, ...]
    refused: tuple[str, ...]


def follow_inventory(session: Session, organisation_id: int, facility: str, year: int) -> Followed:
    """New versions of the organisation's active footprints built on ``facility``'s inventory of
    ``year`` whose inventory changed. The caller commits."""
    published: list[str] = []
    refused: list[str] = []
    for row in organisation_footprints(session, organisation_id):
        if row.status != "Active":
            continue
        if "gate_to_gate" not in row.system_yaml:
            continue  # most footprints: no need to parse their YAML on every import
        raw = safe_load(row.system_yaml)
        spec = raw.get("gate_to_gate") if isinstance(raw, dict) else None
        if not isinstance(spec, dict) or spec.get("inventory") != facility:
            continue
        period = raw.get("period") or {}
        if str(period.get("start", ""))[:4] != str(year):
            continue
        try:
            resolved = resolve_gate_to_gate(
                raw,
                source=row.product_system_id,
                load=platform_loader(session, organisation_id, year),
            )
            digest = resolved["gate_to_gate"].get("digest")
            if digest == spec.get("digest") or digest == _newest_digest(
                session, organisation_id, row.product_system_id
            ):
                continue  # unchanged, or followed already by a request beside this one
            system = validate_product_system(resolved, source=row.product_system_id)
            with session.begin_nested():
                stored = publish(
                    session,
                    organisation_id,
                    system,
                    dump_product_system(system),
                    publication_of(json.loads(row.document)),
                )
        except (DualcarbonError, ValueError, SQLAlchemyError) as exc:
            # the inventory is stored already: a footprint that cannot follow is reported,
            # not allowed to fail the import
            refused.append(f"{row.product_system_id}: {exc}")
            continue
        published.append(stored.id)
    return Followed(tuple(published), tuple(refused))


def _newest_digest(session: Session, organisation_id: int, product_system_id: str) -> str | None:
    """The inventory digest the newest version of a product system was generated from."""
    newest = session.scalar(
        select(StoredProductFootprint)
        .where(
            StoredProductFootprint.organisation_id == organisation_id,
            StoredProductFootprint.product_system_id == product_system_id,
        )
        .order_by(StoredProductFootprint.version.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if newest is None:
        return None
    raw = safe_load(newest.system_yaml)
    spec = raw.get("gate_to_gate") if isinstance(raw, dict) else None
    return spec.get("digest") if isinstance(spec, dict) else None
