"""What an installation operator declares for its CBAM communication: the installation, the
reporting year, and per good where its figures come from — the enterprise inventory's process
(attributed, :mod:`dualcarbon.attribution`), measured figures the inventory does not hold (each
with its evidence), the precursors used, and the carbon price paid in China as information.

Read from a YAML file by :mod:`dualcarbon.io.cbam_files`::

    installation: {name: 示例熟料基地, name_en: Demo clinker works, country: CN, unlocode: CNXXX, …}
    year: 2025
    goods:
      - id: clinker
        good: clinker                          # a good of cbam/data/goods.yaml
        product_name: P·O 42.5 clinker
        actual: {inventory: cement-plant-2025.yaml, process: clinker_line}
      - id: cement
        good: portland_cement
        output: {amount: 3900000, unit: t, evidence: 水泥包装计量 2025}
        electricity: {amount: 132600, unit: MWh, evidence: 水泥磨电表 M-01…M-04}
        precursors:
          - {good: clinker, amount: {amount: 2925000, unit: t, evidence: 熟料喂料秤 2025}}
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Installation(_Frozen):
    """The installation as IR 2025/2547 Annex IV §1.2 asks it to be identified."""

    name: str = Field(min_length=1)
    name_en: str = ""
    operator: str = ""
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
    unlocode: str | None = Field(default=None, pattern=r"^[A-Z]{2} ?[A-Z0-9]{3}$")
    address_en: str = ""
    city_en: str = ""
    postcode: str = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    cbam_id: str | None = Field(default=None, description="the CBAM Registry installation id")


class Measured(_Frozen):
    """A figure the inventory does not hold, with where it was measured."""

    amount: float = Field(ge=0.0)
    unit: str = Field(min_length=1)
    evidence: str = Field(min_length=1)


class Actual(_Frozen):
    """The process of the enterprise inventory a good is made in."""

    inventory: str = Field(
        min_length=1,
        description="the inventory: a file beside the declaration, or on the platform a facility",
    )
    process: str | None = Field(
        default=None,
        description="a process level of its methodology; None: the whole inventory is the "
        "process (a single-process installation, e.g. a re-rolling mill)",
    )
    instance: str | None = None
    shared_units: tuple[str, ...] = Field(
        default=(),
        description="units serving every instance, inside the good's boundary (an aluminium "
        "smelter's casting shop, IR 2025/2547 Annex I 3.17.2): split by output as the "
        "facility's lines are",
    )


class ElectricityFactor(_Frozen):
    """An electricity factor other than the country's default (IR 2025/2547 Art. 9: evidence)."""

    value: float = Field(ge=0.0, description="tCO2e/MWh")
    source: str = Field(min_length=1)


class Supplier(_Frozen):
    """A bought precursor's actual embedded emissions, as its producer communicated them."""

    installation: str = Field(min_length=1)
    direct: float = Field(ge=0.0, description="tCO2e per t")
    indirect: float = Field(default=0.0, ge=0.0)
    evidence: str = Field(min_length=1)


class PrecursorUse(_Frozen):
    good: str = Field(
        min_length=1, description="a good declared in this file (made here) or a catalogue good"
    )
    amount: Measured
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
    supplier: Supplier | None = None


class GoodDeclaration(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    good: str = Field(description="a good of the catalogue (cbam/data/goods.yaml)")
    product_name: str = ""
    route: str | None = None
    actual: Actual | None = None
    output: Measured | None = Field(
        default=None, description="the activity level, where the inventory's process has none"
    )
    electricity: Measured | None = Field(
        default=None, description="electricity consumed, where the inventory does not give it"
    )
    electricity_factor: ElectricityFactor | None = None
    precursors: tuple[PrecursorUse, ...] = ()

    @model_validator(mode="after")
    def _sources(self) -> Self:
        if self.actual is not None and self.actual.process is None and self.output is None:
            raise ValueError("a whole-inventory process needs its output (activity level)")
        if self.actual is None and self.output is None and self.precursors:
            raise ValueError("a good made from precursors needs its output")
        return self

    @property
    def on_defaults(self) -> bool:
        """No data of its own: the good's default values stand for it."""
        return self.actual is None and self.output is None


class CarbonPrice(_Frozen):
    """The carbon price paid in China, shown as information (IR 2025/2547 Annex IV; Reg.
    2023/956 Art. 9 as replaced by Reg. 2025/2083 deducts it only with certified proof)."""

    scheme: str = "全国碳排放权交易市场 / China national ETS"
    price: float = Field(ge=0.0)
    currency: str = "CNY"
    source: str = Field(min_length=1, description="where the price was read (date, exchange)")
    free_allocation_share: float = Field(
        ge=0.0, le=1.0, description="share of the direct emissions covered by free allocation"
    )


class Declaration(_Frozen):
    installation: Installation
    year: int = Field(ge=2023, le=2100)
    goods: tuple[GoodDeclaration, ...] = Field(min_length=1)
    carbon_price: CarbonPrice | None = None

    @model_validator(mode="after")
    def _ids(self) -> Self:
        ids = [g.id for g in self.goods]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"good id {', '.join(repeated)} is declared twice")
        return self
