"""The vocabulary of a product system: life-cycle stages, boundaries, exchange kinds,
distributions, compartments, GHG origins, electricity bases, allocation and recycling methods."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Literal

from dualcarbon.i18n import Lang, pick


class Stage(StrEnum):
    """The life-cycle stages of GB/T 24067-2024 / ISO 14067:2018 6.3.4."""

    RAW_MATERIAL_ACQUISITION = "raw_material_acquisition"
    PRODUCTION = "production"
    DISTRIBUTION = "distribution"
    USE = "use"
    END_OF_LIFE = "end_of_life"

    @property
    def label_zh(self) -> str:
        return _STAGE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _STAGE_LABELS[self][1]

    def label(self, lang: Lang) -> str:
        return pick(lang, self.label_zh, self.label_en)


_STAGE_LABELS = {
    Stage.RAW_MATERIAL_ACQUISITION: ("原材料获取", "Raw material acquisition"),
    Stage.PRODUCTION: ("生产", "Production"),
    Stage.DISTRIBUTION: ("分销", "Distribution"),
    Stage.USE: ("使用", "Use"),
    Stage.END_OF_LIFE: ("生命末期", "End of life"),
}


class Boundary(StrEnum):
    """System boundary: a partial CFP (cradle-to-gate) or a full CFP (cradle-to-grave)."""

    CRADLE_TO_GATE = "cradle_to_gate"
    CRADLE_TO_GRAVE = "cradle_to_grave"

    @property
    def label_zh(self) -> str:
        return "从摇篮到大门" if self is Boundary.CRADLE_TO_GATE else "从摇篮到坟墓"

    @property
    def label_en(self) -> str:
        return "cradle to gate" if self is Boundary.CRADLE_TO_GATE else "cradle to grave"

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages the boundary covers."""
        if self is Boundary.CRADLE_TO_GATE:
            return (Stage.RAW_MATERIAL_ACQUISITION, Stage.PRODUCTION)
        return tuple(Stage)

    @property
    def unit_kind(self) -> Literal["functional", "declared"]:
        """ISO 14067 6.3.3: a functional unit for a CFP, a declared unit for a partial CFP."""
        return "declared" if self is Boundary.CRADLE_TO_GATE else "functional"


class ExchangeKind(StrEnum):
    PRODUCTION = "production"
    TECHNOSPHERE = "technosphere"
    AVOIDED_PRODUCT = "avoided_product"
    EMISSION = "emission"
    RESOURCE = "resource"

    @property
    def is_elementary(self) -> bool:
        return self in (ExchangeKind.EMISSION, ExchangeKind.RESOURCE)


class UncertaintyType(IntEnum):
    """stats_arrays distribution ids 0–5 (Brightway, ecoinvent, openLCA use the same)."""

    UNDEFINED = 0
    NONE = 1
    LOGNORMAL = 2
    NORMAL = 3
    UNIFORM = 4
    TRIANGULAR = 5


class Compartment(StrEnum):
    AIR = "air"
    WATER = "water"
    SOIL = "soil"
    NATURAL_RESOURCE = "natural_resource"


class FlowOrigin(StrEnum):
    """ISO 14067 6.4.9: fossil and biogenic GHG, and dLUC, are reported separately."""

    FOSSIL = "fossil"
    BIOGENIC = "biogenic"
    LAND_USE_CHANGE = "land_use_change"


class ElectricityBasis(StrEnum):
    """How purchased electricity is modelled (ISO 14067 6.4.9.4)."""

    LOCATION_BASED = "location_based"
    SUPPLIER_SPECIFIC = "supplier_specific"
    GREEN_CERTIFICATE = "green_certificate"
    ON_SITE = "on_site"

    @property
    def label_zh(self) -> str:
        return {
            ElectricityBasis.LOCATION_BASED: "电网平均排放因子（基于位置）",
            ElectricityBasis.SUPPLIER_SPECIFIC: "供应商特定电力（合同）",
            ElectricityBasis.GREEN_CERTIFICATE: "绿色电力证书/绿电交易",
            ElectricityBasis.ON_SITE: "自发自用电力",
        }[self]

    @property
    def contractual(self) -> bool:
        return self in (ElectricityBasis.SUPPLIER_SPECIFIC, ElectricityBasis.GREEN_CERTIFICATE)


class AllocationMethod(StrEnum):
    """ISO 14044 4.3.4.2 steps 2 and 3 (step 1, avoiding allocation, needs no factors)."""

    PHYSICAL = "physical"
    ECONOMIC = "economic"


class RecyclingMethod(StrEnum):
    CUT_OFF = "cut_off"
    AVOIDED_BURDEN = "avoided_burden"
