"""Thin routes: parse, call :mod:`dualcarbon.api.services`, shape the answer."""
