"""Every error dualcarbon raises on purpose is a :class:`~dualcarbon.errors.DualcarbonError`
and also the builtin (or the library's error) it refines, so that a caller can catch either
(issue 13, item 9). Exempt: HTTP responses raised inside the web layers (Starlette's
``HTTPException``, PACT's error answers) and private helpers (a leading underscore)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from starlette.exceptions import HTTPException

import dualcarbon
from dualcarbon.errors import DualcarbonError

HTTP_ANSWERS = {"dualcarbon.api.pact.PactError"}
"""Raised and caught inside the PACT app to answer in PACT's error shape; never leaves it."""


def _error_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(dualcarbon.__path__, "dualcarbon."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_error_is_a_dualcarbon_error_and_refines_another() -> None:
    classes = _error_classes()
    assert "dualcarbon.pact.tokens.TokenExpiredError" in classes  # the walk reached pact
    wrong = []
    for name, cls in sorted(classes.items()):
        if (
            cls.__name__.startswith("_")
            or issubclass(cls, HTTPException)
            or name in HTTP_ANSWERS
            or cls is DualcarbonError
        ):
            continue
        refines = [
            base
            for base in cls.__mro__
            if base not in (cls, DualcarbonError, Exception, BaseException, object)
            and not issubclass(base, DualcarbonError)
        ]
        if not issubclass(cls, DualcarbonError) or not refines:
            wrong.append(name)
    assert wrong == []
