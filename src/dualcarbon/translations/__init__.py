"""Translations kept as data: the Chinese of the rules an input can break (``rules.yaml``).

Readers and the engine word a broken rule in English (the API's ``rule`` field, stable for
programs); people read it in Chinese first. :func:`rule_zh` finds a rule's Chinese in the
catalogue: each entry's English is a pattern whose ``{name}`` parts match any text and are
repeated in the Chinese.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from dualcarbon.guards.safe_yaml import safe_load


@cache
def _catalogue() -> tuple[tuple[re.Pattern[str], str], ...]:
    text = resources.files(__name__).joinpath("rules.yaml").read_text(encoding="utf-8")
    entries = safe_load(text)
    compiled = []
    for entry in entries:
        parts = re.split(r"\{(\w+)\}", entry["en"])
        pattern = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.*?)"
            for index, part in enumerate(parts)
        )
        compiled.append((re.compile(pattern, re.DOTALL), entry["zh"]))
    return tuple(compiled)


def rule_zh(rule: str) -> str | None:
    """The Chinese of an English rule, or None when the catalogue has none."""
    for pattern, chinese in _catalogue():
        found = pattern.fullmatch(rule)
        if found:
            return chinese.format(**found.groupdict())
    return None
