"""EU CBAM on the platform: a manufacturer sends its installation's declaration and gets the
communication for its importer, computed from its own stored inventories (docs/cbam.md). An
``actual.inventory`` names one of the organisation's facilities; the newest stored inventory of
that facility for the declaration's year, with its newest result, is used."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dualcarbon.api.scope import Action, Area, Principal
from dualcarbon.api.services import REQUEST, json_object, organisation_for, read_upload
from dualcarbon.cbam.communication import communication
from dualcarbon.cbam.see import embedded_emissions
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io.cbam_files import declaration_from_mapping, sources
from dualcarbon.pact.follow import platform_loader

SUFFIXES = (".yaml", ".yml")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cbam_communication(
    session: Session,
    principal: Principal,
    organisation_id: int,
    filename: str | None,
    content: bytes,
) -> dict[str, Any]:
    """The communication (JSON-ready) of the declaration in the request; every problem as an
    InputError naming the field."""
    organisation_for(session, principal, organisation_id, Action.READ, Area.ACCOUNTING)
    if filename is None:
        raw: object = json_object(content)
        name = REQUEST
    else:
        raw = read_upload(filename, content, SUFFIXES, lambda path: read_yaml_mapping(path))
        name = filename
    declaration = declaration_from_mapping(raw, source=name)
    load = platform_loader(session, organisation_id, declaration.year)
    report = embedded_emissions(declaration, sources(load, declaration.year))
    return communication(report)


def communication_workbook(record: dict[str, Any]) -> bytes:
    """The communication filled into the Commission's template, as the file's bytes."""
    from dualcarbon.io.cbam_export import write_communication_workbook

    with tempfile.TemporaryDirectory(prefix="dualcarbon-cbam-") as folder:
        path = write_communication_workbook(record, Path(folder) / "communication.xlsx")
        return path.read_bytes()
