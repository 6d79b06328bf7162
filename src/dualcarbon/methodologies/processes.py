"""The production processes a guideline names, as data on its methodology: what an enterprise
inventory's lines are attributed to before they reach a product (issue 17; decision 0021).

The national industry guidelines report below the enterprise at a process level: the clinker
production line (cement, CETS—AG—02.01—V01—2024), the electrolysis series (aluminium,
CETS—AG—04.01—V01—2024). An inventory's lines already carry it in their ``unit`` column. A
methodology file declares each process level once::

    processes:
      - id: clinker_line
        name_zh: 熟料生产线
        name_en: clinker production line
        clause: CETS—AG—02.01—V01—2024 (熟料生产设施层级，按生产线)
        sources: [fuel_combustion, clinker_process, alternative_material_deduction,
                  purchased_electricity]
        product: {id: clinker, name_zh: 水泥熟料, name_en: cement clinker,
                  table: clinker, column: clinker_output, unit: t}
    shared_lines:
      method: physical
      clause: ISO 14044:2006 4.3.4.2 (allocation by a physical relationship) …

* each distinct ``unit`` of the product's output table is one instance of the process (``1#线``,
  ``2#线``); a line of that unit whose source the process lists belongs to it whole;
* a line of the whole facility (``unit`` ``all`` or a unit no process has, such as a fence
  electricity meter) whose source a process lists is *shared*: it is split between the instances
  by ``shared_lines`` — physical, each instance's share of the month's output of the product;
* anything else stays unattributed and is listed, never dropped.

One product per process level: a process making co-products (a power unit's electricity and
heat) needs an allocation rule the guidelines give separately; it is not declared here yet.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProcessProduct(_Frozen):
    """The product of a process level and where the inventory measures its output."""

    id: str = Field(pattern=IDENTIFIER, description="the product id footprints and CBAM use")
    name_zh: str
    name_en: str
    table: str = Field(description="the inventory table holding the output")
    column: str = Field(description="the column of the output, per unit and month")
    unit: str = Field(description="the unit of that column")


class ProductionProcess(_Frozen):
    """One process level of a guideline (module docstring)."""

    id: str = Field(pattern=IDENTIFIER)
    name_zh: str
    name_en: str
    clause: str = Field(min_length=1, description="where the guideline names the level")
    sources: tuple[str, ...] = Field(min_length=1, description="source kinds attributed to it")
    product: ProcessProduct


class SharedLineRule(_Frozen):
    """How a facility-level line is split between process instances: by a physical
    relationship, the instances' shares of output (ISO 14044:2006 4.3.4.2, which GB/T 24067-2024
    and ISO 14067:2018 6.4.6 follow for allocation)."""

    method: Literal["physical"] = "physical"
    basis: Literal["output"] = "output"
    clause: str = Field(min_length=1)
