"""The CBAM data dualcarbon ships, read once: the goods (``data/goods.yaml``) and the default
values, mark-ups and electricity factors (``data/defaults-2025-2621.yaml``), each value with the
act and how sure we are of it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dualcarbon.guards.safe_yaml import safe_load

Confidence = Literal["verified", "corroborated", "unverified"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Good(_Frozen):
    id: str
    cn: str
    name_en: str
    name_zh: str
    category: Literal["cement", "iron_steel", "aluminium", "fertilisers", "hydrogen"]
    aggregated: str
    direct_only: bool = Field(description="Annex II to Reg. 2023/956: direct emissions only")
    functional_unit: str
    precursors: tuple[str, ...] = ()


class DefaultValue(_Frozen):
    """A default specific embedded emission [tCO2e per functional unit] of one country."""

    direct: float = Field(ge=0.0)
    indirect: float | None = Field(default=None, ge=0.0)
    route: str | None = None
    confidence: Confidence
    where: str = Field(description="where it was read")

    @property
    def total(self) -> float:
        return self.direct + (self.indirect or 0.0)


class Defaults(_Frozen):
    act: str
    url: str
    values: dict[str, dict[str, DefaultValue]] = Field(description="CN code → country → value")
    mark_up: dict[int, float] = Field(description="year → share added to a default's total")
    mark_up_confidence: Confidence
    mark_up_where: str
    electricity: dict[str, float] = Field(description="country → tCO2e/MWh (Annex II)")
    electricity_confidence: Confidence
    electricity_where: str
    other_countries: str = "other"

    def value(self, cn: str, country: str) -> tuple[DefaultValue, str]:
        """The default of ``cn`` for ``country``, else for other countries; and whose it is."""
        by_country = self.values.get(cn)
        if by_country is None:
            raise KeyError(f"no default value for CN {cn}")
        if country in by_country:
            return by_country[country], country
        return by_country[self.other_countries], self.other_countries

    def mark_up_of(self, year: int) -> float:
        years = sorted(y for y in self.mark_up if y <= year)
        return self.mark_up[years[-1]] if years else 0.0

    def grid_factor(self, country: str) -> float:
        return self.electricity.get(country, self.electricity[self.other_countries])


def _data(name: str) -> object:
    text = resources.files("dualcarbon.cbam").joinpath("data", name).read_text(encoding="utf-8")
    return safe_load(text)


@cache
def goods() -> dict[str, Good]:
    raw = _data("goods.yaml")
    assert isinstance(raw, dict)
    found = [Good.model_validate(g) for g in raw["goods"]]
    return {g.id: g for g in found}


def good_by_cn(cn: str) -> Good:
    for good in goods().values():
        if good.cn.replace(" ", "") == cn.replace(" ", ""):
            return good
    raise KeyError(
        f"CN {cn} is none of the goods dualcarbon knows: {[g.cn for g in goods().values()]}"
    )


@cache
def defaults() -> Defaults:
    return Defaults.model_validate(_data("defaults-2025-2621.yaml"))
