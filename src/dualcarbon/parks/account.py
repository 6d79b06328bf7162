"""A park's emissions and energy from its members' inventories, energy moved inside the park
counted once (issue 18, item 1; decision 0026).

For members m with direct emissions D_m (their counted lines other than energy bought or sold),
electricity bought B_m and sold S_m (MWh), heat likewise, and internal transfers T (electricity
or heat a member delivers to another inside the boundary):

* electricity crossing the boundary: in = Σ B_m − T_e, out = Σ S_m − T_e (heat likewise);
* park emissions (location-based) E = Σ D_m + (in_e − out_e)·EF_grid + (in_h − out_h)·EF_heat,
  the park treated as GB/T 32150-2015 treats one enterprise (net energy bought);
* market-based: the electricity bought from outside with green certificates or direct green
  supply counts at zero; renewable electricity generated and used on site has no emissions;
* comprehensive energy (GB/T 2589-2020): Σ of the members' (consumed − sold), in which every
  internal transfer appears once as sold and once as consumed and so cancels, plus renewable
  electricity used on site;
* the naive sum, Σ (D_m + B_m·EF), shows what counting a CHP's fuel and its customers' purchases
  both would add.

A transfer larger than what its supplier sold or its receiver bought is refused: the files do not
agree, and a park figure built on them would be wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.attribution.attribute import exported_sources, indirect_sources
from dualcarbon.energy.assessment import ScopedGrade
from dualcarbon.energy.balance import EnergyBalance
from dualcarbon.errors import FactorNotFoundError, InputError, InputProblem
from dualcarbon.factors.catalogue import default_catalogue
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.parks.definition import CARRIER_UNITS, CARRIER_ZH, Park
from dualcarbon.units import conversion_factor

ELECTRICITY_TCE_PER_MWH = 0.1229
"""GB/T 2589-2020's calorific equivalent of electricity, 0.1229 kgce/kWh (the balance's own)."""


@dataclass(frozen=True)
class MemberInput:
    """One member's inventory, its accounting result and its energy balance."""

    name: str
    inventory: Inventory
    result: AccountingResult
    balance: EnergyBalance
    grades: tuple[ScopedGrade, ...] = ()
    graded: bool = False
    """Whether grading conditions were given (else its products were not graded)."""


@dataclass(frozen=True)
class MemberFigures:
    name: str
    utility: bool
    organisation: str
    facility: str
    methodology: str
    direct_tco2e: float
    reported_tco2e: float
    """The member's own total, as its methodology counts it."""
    electricity_in_mwh: float
    electricity_out_mwh: float
    heat_in_gj: float
    heat_out_gj: float
    energy_tce: float
    fuel_tce: float
    clean_fuel_tce: float
    grades: tuple[ScopedGrade, ...] = ()
    graded: bool = False


@dataclass(frozen=True)
class ParkAccount:
    park: Park
    members: tuple[MemberFigures, ...]
    internal_electricity_mwh: float
    internal_heat_gj: float
    electricity_in_mwh: float
    electricity_out_mwh: float
    heat_in_gj: float
    heat_out_gj: float
    grid_factor: float
    """tCO2/MWh"""
    grid_factor_ref: str
    heat_factor: float
    """tCO2/GJ"""
    heat_factor_ref: str
    green_bought_mwh: float
    """Green certificates and direct green supply against electricity bought from outside, capped
    at it."""
    on_site_mwh: float
    heat_tce_per_gj: float
    notes_zh: tuple[str, ...] = field(default_factory=tuple)
    notes_en: tuple[str, ...] = field(default_factory=tuple)

    @property
    def direct_tco2e(self) -> float:
        return math.fsum(m.direct_tco2e for m in self.members)

    @property
    def electricity_tco2e(self) -> float:
        return (self.electricity_in_mwh - self.electricity_out_mwh) * self.grid_factor

    @property
    def heat_tco2e(self) -> float:
        return (self.heat_in_gj - self.heat_out_gj) * self.heat_factor

    @property
    def location_tco2e(self) -> float:
        """Direct emissions plus net energy bought across the boundary at the grid factor."""
        return self.direct_tco2e + self.electricity_tco2e + self.heat_tco2e

    @property
    def market_tco2e(self) -> float:
        """The same with the green electricity bought from outside at zero."""
        return self.location_tco2e - self.green_bought_mwh * self.grid_factor

    @property
    def internal_tco2e(self) -> float:
        """What the internal transfers would add if counted twice (at the park's factors)."""
        return (
            self.internal_electricity_mwh * self.grid_factor
            + self.internal_heat_gj * self.heat_factor
        )

    @property
    def naive_tco2e(self) -> float:
        """Σ members' direct emissions + what they bought, at the park's factors: a CHP's fuel
        and its customers' purchases both counted, and nothing sold deducted."""
        return math.fsum(
            m.direct_tco2e
            + m.electricity_in_mwh * self.grid_factor
            + m.heat_in_gj * self.heat_factor
            for m in self.members
        )

    @property
    def energy_tce(self) -> float:
        """Comprehensive energy consumption of the park (GB/T 2589-2020), tce."""
        return math.fsum(m.energy_tce for m in self.members) + self.on_site_tce

    @property
    def on_site_tce(self) -> float:
        return self.on_site_mwh * ELECTRICITY_TCE_PER_MWH

    @property
    def gross_energy_tce(self) -> float:
        """Energy entering the park's use: fuels burnt, electricity and heat from outside,
        renewable electricity used on site (nothing sold deducted)."""
        return (
            math.fsum(m.fuel_tce for m in self.members)
            + self.electricity_in_mwh * ELECTRICITY_TCE_PER_MWH
            + self.heat_in_gj * self.heat_tce_per_gj
            + self.on_site_tce
        )

    @property
    def clean_energy_tce(self) -> float:
        return (
            math.fsum(m.clean_fuel_tce for m in self.members)
            + self.green_bought_mwh * ELECTRICITY_TCE_PER_MWH
            + self.on_site_tce
        )

    @property
    def clean_energy_share(self) -> float | None:
        gross = self.gross_energy_tce
        return self.clean_energy_tce / gross if gross > 0 else None

    @property
    def carbon_per_energy(self) -> float | None:
        """tCO2 per tce, market-based (the evaluation's), ``None`` for a park using no energy."""
        return self.market_tco2e / self.energy_tce if self.energy_tce > 0 else None

    @property
    def carbon_per_energy_location(self) -> float | None:
        return self.location_tco2e / self.energy_tce if self.energy_tce > 0 else None


def member_figures(
    member: MemberInput, utility: bool, clean_fuels: frozenset[str]
) -> MemberFigures:
    result, balance = member.result, member.balance
    methodology = get_methodology(member.inventory.header.methodology)
    energy_sources = list(indirect_sources(methodology) | exported_sources(methodology))
    lines = result.lines
    signed = pl.col("emission_co2e") * pl.col("sign")
    direct = lines.filter(pl.col("counted") & ~pl.col("source").is_in(energy_sources))
    energy = balance.lines

    def quantity(carrier: str, flow: str) -> float:
        part = energy.filter((pl.col("carrier") == carrier) & (pl.col("flow") == flow))
        return float(part["quantity"].sum()) if part.height else 0.0

    fuels = energy.filter(
        (pl.col("table") != "electricity")
        & (pl.col("table") != "heat")
        & (pl.col("flow") == "consumed")
        & ~pl.col("carrier").is_in(["electricity", "heat"])
    )
    clean = fuels.filter(pl.col("carrier").is_in(list(clean_fuels)))
    return MemberFigures(
        name=member.name,
        utility=utility,
        organisation=result.meta.organisation,
        facility=result.meta.facility,
        methodology=result.meta.methodology,
        direct_tco2e=float(direct.select(signed.sum()).item() or 0.0),
        reported_tco2e=result.total(),
        electricity_in_mwh=quantity("electricity", "consumed") / 1000.0,
        electricity_out_mwh=quantity("electricity", "exported") / 1000.0,
        heat_in_gj=quantity("heat", "consumed"),
        heat_out_gj=quantity("heat", "exported"),
        energy_tce=balance.total_tce,
        fuel_tce=float(fuels["energy_kgce"].sum()) / 1000.0 if fuels.height else 0.0,
        clean_fuel_tce=float(clean["energy_kgce"].sum()) / 1000.0 if clean.height else 0.0,
        grades=member.grades,
        graded=member.graded,
    )


def account_park(
    park: Park, members: Sequence[MemberInput], *, source: str, clean_fuels: frozenset[str]
) -> ParkAccount:
    """The park's account (module docstring); every disagreement between the park file and the
    members' inventories at once as an :class:`InputError` naming ``source``."""
    by_name = {m.name: m for m in members}
    figures = tuple(member_figures(by_name[m.name], m.utility, clean_fuels) for m in park.members)
    found = {f.name: f for f in figures}
    problems: list[InputProblem] = []
    totals: dict[tuple[str, str, str], float] = {}
    where: dict[tuple[str, str, str], list[int]] = {}
    for index, transfer in enumerate(park.transfers, start=1):
        for side, name in (("out", transfer.from_member), ("in", transfer.to_member)):
            key = (transfer.carrier, side, name)
            totals[key] = totals.get(key, 0.0) + transfer.amount
            where.setdefault(key, []).append(index)
    for (carrier, side, name), amount in totals.items():
        member = found[name]
        available = {
            ("electricity", "out"): member.electricity_out_mwh,
            ("electricity", "in"): member.electricity_in_mwh,
            ("heat", "out"): member.heat_out_gj,
            ("heat", "in"): member.heat_in_gj,
        }[(carrier, side)]
        if amount > available * (1 + 1e-9):
            unit = CARRIER_UNITS[carrier]
            verb_en = "sold" if side == "out" else "bought"
            verb_zh = "输出" if side == "out" else "购入"
            indices = where[(carrier, side, name)]
            problems.append(
                InputProblem(
                    source,
                    f"{name}: {amount:,.0f} {unit} of {carrier} moved "
                    f"{'out' if side == 'out' else 'in'} inside the park, more than its inventory "
                    f"{verb_en} ({available:,.0f} {unit})",
                    field=f"transfers[{indices[-1]}]"
                    if len(indices) == 1
                    else "transfers[" + ", ".join(str(i) for i in indices) + "]",
                    rule_zh=f"{name}的园区内部{CARRIER_ZH[carrier]}{verb_zh} {amount:,.0f} {unit}，"
                    f"超过其清单中的{verb_zh}量（{available:,.0f} {unit}）",
                )
            )
    internal_in: dict[str, float] = {}
    for transfer in park.transfers:
        if transfer.carrier == "electricity":
            internal_in[transfer.to_member] = (
                internal_in.get(transfer.to_member, 0.0) + transfer.amount
            )
    green_by_member: dict[str, list[int]] = {}
    for index, green in enumerate(park.green_electricity, start=1):
        if green.kind != "on_site":
            green_by_member.setdefault(green.member, []).append(index)
    for name, indices in green_by_member.items():
        claimed = sum(park.green_electricity[i - 1].mwh for i in indices)
        outside = (
            found[name].electricity_in_mwh - internal_in.get(name, 0.0) if name in found else 0
        )
        if claimed > outside * (1 + 1e-9):
            problems.append(
                InputProblem(
                    source,
                    f"{name}: {claimed:,.0f} MWh of green electricity bought (certificates, "
                    f"direct supply), more than it bought from outside the park "
                    f"({outside:,.0f} MWh)",
                    field=f"green_electricity[{indices[-1]}]",
                    rule_zh=f"{name}申报的外购绿电（绿证、直供）{claimed:,.0f} MWh，超过其从园区外"
                    f"购入的电量（{outside:,.0f} MWh）",
                )
            )
    grid, grid_ref = _factor(
        park.park.grid_factor, members, "electricity", "tCO2/MWh", source, problems
    )
    heat, heat_ref = _factor(park.park.heat_factor, members, "heat", "tCO2/GJ", source, problems)
    moved_e = sum(t.amount for t in park.transfers if t.carrier == "electricity")
    moved_h = sum(t.amount for t in park.transfers if t.carrier == "heat")
    crossing = {
        "electricity": math.fsum(f.electricity_in_mwh + f.electricity_out_mwh for f in figures)
        > 2 * moved_e,
        "heat": math.fsum(f.heat_in_gj + f.heat_out_gj for f in figures) > 2 * moved_h,
    }
    for carrier, (ref, setting) in {
        "electricity": (grid_ref, "park.grid_factor"),
        "heat": (heat_ref, "park.heat_factor"),
    }.items():
        if crossing[carrier] and not ref and not any(p.field == setting for p in problems):
            problems.append(
                InputProblem(
                    source,
                    f"{carrier} crosses the park boundary but no member's inventory gives its "
                    f"factor: name it in {setting}",
                    field=setting,
                    rule_zh=f"{CARRIER_ZH[carrier]}跨越园区边界，但没有成员清单给出其排放因子："
                    f"请在 {setting} 中指定",
                )
            )
    if problems:
        raise InputError(problems)
    internal_e = sum(t.amount for t in park.transfers if t.carrier == "electricity")
    internal_h = sum(t.amount for t in park.transfers if t.carrier == "heat")
    electricity_in = math.fsum(f.electricity_in_mwh for f in figures) - internal_e
    green_bought = sum(g.mwh for g in park.green_electricity if g.kind != "on_site")
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if green_bought > electricity_in:
        notes_zh.append(
            f"绿证与直供绿电 {green_bought:,.0f} MWh 超过园区外购电量 {electricity_in:,.0f} MWh，"
            "超出部分不计"
        )
        notes_en.append(
            f"green certificates and direct green supply of {green_bought:,.0f} MWh exceed the "
            f"electricity bought from outside ({electricity_in:,.0f} MWh); the excess counts "
            "for nothing"
        )
    for given in members:
        notes_zh += [f"{given.name}：{note}" for note in given.balance.notes_zh]
        notes_en += [f"{given.name}: {note}" for note in given.balance.notes_en]
    heat_coefficients = [
        float(m.balance.lines.filter(pl.col("carrier") == "heat")["coefficient"][0])
        for m in members
        if m.balance.lines.filter(pl.col("carrier") == "heat").height
    ]
    return ParkAccount(
        park=park,
        members=figures,
        internal_electricity_mwh=internal_e,
        internal_heat_gj=internal_h,
        electricity_in_mwh=electricity_in,
        electricity_out_mwh=math.fsum(f.electricity_out_mwh for f in figures) - internal_e,
        heat_in_gj=math.fsum(f.heat_in_gj for f in figures) - internal_h,
        heat_out_gj=math.fsum(f.heat_out_gj for f in figures) - internal_h,
        grid_factor=grid,
        grid_factor_ref=grid_ref,
        heat_factor=heat,
        heat_factor_ref=heat_ref,
        green_bought_mwh=min(green_bought, max(electricity_in, 0.0)),
        on_site_mwh=sum(g.mwh for g in park.green_electricity if g.kind == "on_site"),
        heat_tce_per_gj=(heat_coefficients[0] / 1000.0) if heat_coefficients else 0.0,
        notes_zh=tuple(notes_zh),
        notes_en=tuple(notes_en),
    )


def _factor(
    declared: str | None,
    members: Sequence[MemberInput],
    table: str,
    unit: str,
    source: str,
    problems: list[InputProblem],
) -> tuple[float, str]:
    """The factor of energy crossing the boundary: the park's, else the one its members used."""
    if declared:
        try:
            factor = default_catalogue().get(declared)
        except FactorNotFoundError:
            problems.append(
                InputProblem(
                    source,
                    "not a factor of the catalogue",
                    field=f"park.{'grid' if table == 'electricity' else 'heat'}_factor",
                    value=declared,
                    rule_zh="不是因子库中的因子",
                )
            )
            return 0.0, ""
        return factor.value * conversion_factor(factor.unit, unit), factor.ref
    used: dict[str, float] = {}
    for member in members:
        methodology = get_methodology(member.inventory.header.methodology)
        kinds = [s.kind for s in methodology.sources if s.table_name == table]
        lines = member.result.lines.filter(
            pl.col("source").is_in(kinds) & pl.col("emission_factor").is_not_null()
        )
        for value, factor_unit, ref in (
            lines.select("emission_factor", "emission_factor_unit", "emission_factor_ref")
            .unique()
            .iter_rows()
        ):
            used[str(ref)] = float(value) * conversion_factor(str(factor_unit), unit)
    if len(set(used.values())) > 1:
        field = f"park.{'grid' if table == 'electricity' else 'heat'}_factor"
        problems.append(
            InputProblem(
                source,
                f"the members used different {table} factors ({', '.join(sorted(used))}); name "
                f"the park's in {field}",
                field=field,
                rule_zh=f"各成员使用的{'电网' if table == 'electricity' else '热力'}排放因子不同"
                f"（{'、'.join(sorted(used))}）；请在 {field} 中指定园区所用因子",
            )
        )
        return 0.0, ""
    if not used:
        return 0.0, ""
    ref, value = next(iter(used.items()))
    return value, ref


def account_json(account: ParkAccount) -> dict[str, object]:
    """The park's account as JSON (docs/parks.md)."""
    header = account.park.park
    return {
        "schema": "dualcarbon.park/1",
        "park": header.model_dump(),
        "members": [
            {
                "name": m.name,
                "utility": m.utility,
                "organisation": m.organisation,
                "facility": m.facility,
                "methodology": m.methodology,
                "direct_tco2e": m.direct_tco2e,
                "reported_tco2e": m.reported_tco2e,
                "electricity_in_mwh": m.electricity_in_mwh,
                "electricity_out_mwh": m.electricity_out_mwh,
                "heat_in_gj": m.heat_in_gj,
                "heat_out_gj": m.heat_out_gj,
                "energy_tce": m.energy_tce,
                "fuel_tce": m.fuel_tce,
                "clean_fuel_tce": m.clean_fuel_tce,
            }
            for m in account.members
        ],
        "transfers": [t.model_dump(by_alias=True) for t in account.park.transfers],
        "internal_electricity_mwh": account.internal_electricity_mwh,
        "internal_heat_gj": account.internal_heat_gj,
        "electricity_in_mwh": account.electricity_in_mwh,
        "electricity_out_mwh": account.electricity_out_mwh,
        "heat_in_gj": account.heat_in_gj,
        "heat_out_gj": account.heat_out_gj,
        "grid_factor": {
            "value": account.grid_factor,
            "unit": "tCO2/MWh",
            "ref": account.grid_factor_ref,
        },
        "heat_factor": {
            "value": account.heat_factor,
            "unit": "tCO2/GJ",
            "ref": account.heat_factor_ref,
        },
        "direct_tco2e": account.direct_tco2e,
        "location_tco2e": account.location_tco2e,
        "market_tco2e": account.market_tco2e,
        "naive_tco2e": account.naive_tco2e,
        "internal_tco2e": account.internal_tco2e,
        "green_bought_mwh": account.green_bought_mwh,
        "on_site_mwh": account.on_site_mwh,
        "energy_tce": account.energy_tce,
        "gross_energy_tce": account.gross_energy_tce,
        "clean_energy_tce": account.clean_energy_tce,
        "clean_energy_share": account.clean_energy_share,
        "carbon_per_energy": account.carbon_per_energy,
        "carbon_per_energy_location": account.carbon_per_energy_location,
        "notes_zh": list(account.notes_zh),
        "notes_en": list(account.notes_en),
    }
