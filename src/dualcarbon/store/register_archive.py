"""Keep registers in the store: import one for an organisation, read one back.

The database comes from ``url``, else ``DUALCARBON_DATABASE_URL``, else the embedded SQLite file;
it is created or upgraded first. An import is one transaction: all of it is stored or none.
"""

from __future__ import annotations

from collections.abc import Sequence

from dualcarbon.errors import DualcarbonError
from dualcarbon.metrology.register import Register
from dualcarbon.store.database import stored_session
from dualcarbon.store.repository import (
    RegisterSync,
    load_register,
    register_organisations,
    save_register,
)


class RegisterNotFoundError(DualcarbonError, LookupError):
    """No stored register for the organisation asked for, or no way to choose one."""

    def __init__(self, organisation: str | None, available: Sequence[str]) -> None:
        self.organisation = organisation
        self.available = tuple(available)
        if organisation is not None:
            message = f"no register stored for organisation {organisation!r}"
        elif not self.available:
            message = "no register stored yet; import one first"
        else:
            message = "registers of several organisations are stored; choose one"
        if self.available:
            message += f" (stored: {', '.join(self.available)})"
        super().__init__(message)


def import_register(
    register: Register, organisation: str | None = None, url: str | None = None
) -> tuple[str, RegisterSync]:
    """Store ``register`` under ``organisation`` (default: the register's own); the name used."""
    name = (organisation or register.organisation or "").strip()
    if not name:
        raise RegisterNotFoundError(None, ())
    with stored_session(url) as session:
        return name, save_register(session, name, register)


def stored_register(organisation: str | None = None, url: str | None = None) -> Register:
    """The stored register of ``organisation``; without one, the only organisation's register."""
    with stored_session(url) as session:
        available = register_organisations(session)
        if organisation is None:
            if len(available) != 1:
                raise RegisterNotFoundError(None, available)
            organisation = available[0]
        register = load_register(session, organisation)
        if register is None:
            raise RegisterNotFoundError(organisation, available)
        return register
