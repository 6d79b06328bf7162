"""What the operator hands its EU importer: the summary of IR 2025/2547 Annex IV §1.2, one record
per good, in English (Art. 10(4)), shaped as the Commission's communication template's
``Summary_Communication`` sheet lays it out. :mod:`dualcarbon.io.cbam_export` writes it as JSON
and into the template's layout.
"""

from __future__ import annotations

from typing import Any

import dualcarbon
from dualcarbon.cbam.see import CbamReport, EmbeddedEmissions

FORMAT = "dualcarbon.cbam-communication/1"


def communication(report: CbamReport) -> dict[str, Any]:
    """The communication as plain data (JSON-ready), numbers unrounded."""
    declaration = report.declaration
    site = declaration.installation
    return {
        "format": FORMAT,
        "reporting_period": {
            "start": f"{declaration.year}-01-01",
            "end": f"{declaration.year}-12-31",
        },
        "installation": {
            "name": site.name_en or site.name,
            "name_local": site.name,
            "operator": site.operator,
            "cbam_registry_id": site.cbam_id,
            "country": site.country,
            "unlocode": site.unlocode,
            "address": site.address_en,
            "city": site.city_en,
            "postcode": site.postcode,
            "latitude": site.latitude,
            "longitude": site.longitude,
        },
        "methodology": {
            "act": "Commission Implementing Regulation (EU) 2025/2547, Annex III",
            "default_values": report.defaults_act,
            "engine": f"dualcarbon {dualcarbon.__version__}",
        },
        "goods": [_good(good, report) for good in report.goods],
    }


def _good(good: EmbeddedEmissions, report: CbamReport) -> dict[str, Any]:
    price = report.carbon_price
    item: dict[str, Any] = {
        "id": good.id,
        "aggregated_goods_category": good.good.aggregated,
        "cn_code": good.good.cn,
        "cn_description": good.good.name_en,
        "product_name": good.product_name,
        "production_route": good.route,
        "functional_unit": good.good.functional_unit,
        "direct_emissions_only": good.good.direct_only,
        "basis": good.basis,
        "see_direct": good.see_direct,
        "see_indirect": None
        if good.good.direct_only and good.basis == "default"
        else good.see_indirect,
        "see_total": good.see_total,
        "see_total_with_mark_up": good.see_total_marked_up if good.basis == "default" else None,
        "mark_up": good.mark_up if good.basis == "default" else None,
        "unit": f"tCO2e/{good.good.functional_unit}",
        "share_of_default_values": good.default_share,
        "electricity_emission_factor": good.electricity_factor,
        "electricity_emission_factor_source": good.electricity_factor_source,
        "embedded_electricity_mwh_per_unit": good.embedded_electricity,
        "see_direct_per_t_product": good.see_direct_product if good.per_t_product_known else None,
        "see_indirect_per_t_product": good.see_indirect_product
        if good.per_t_product_known
        else None,
        "embedded_electricity_mwh_per_t_product": good.embedded_electricity_product
        if good.per_t_product_known
        else None,
        "heat_imported_direct_t": good.heat_direct,
        "warnings": list(good.warnings),
        "activity_level_t": good.activity_level,
        "attributed_direct_emissions_t": good.attributed_direct,
        "electricity_consumed_mwh": good.electricity_mwh,
        "precursors": [
            {
                "cn_code": p.good.cn,
                "good": p.good.name_en,
                "amount_t": p.amount,
                "see_direct": p.see_direct,
                "see_indirect": p.see_indirect,
                "source": p.basis,
                "evidence": p.evidence,
            }
            for p in good.precursors
        ],
        "evidence": {
            "output": list(good.output_evidence),
            "emissions": list(good.evidence),
            "factors": list(good.factors),
            "electricity": list(good.electricity_evidence),
            "inventory_lines": list(good.lines),
        },
    }
    if good.clinker_ratio is not None:
        item["clinker_ratio_percent"] = 100.0 * good.clinker_ratio
    if price is not None:
        item["carbon_price"] = {
            "instrument": price.scheme,
            "price": price.price,
            "currency": price.currency,
            "source": price.source,
            "covers": "direct emissions",
            "share_of_total_covered": good.see_direct / good.see_total if good.see_total else 0.0,
            "share_covered_by_free_allocation": price.free_allocation_share,
            "price_due_per_unit": price.due_per_unit(good.see_direct),
            "price_due_per_t_product": price.due_per_unit(good.see_direct_product)
            if good.per_t_product_known
            else None,
            "note": "information only: not deducted (Reg. 2023/956 Art. 9 as replaced by Reg. "
            "2025/2083 needs certified proof of payment net of free allocation)",
        }
    return item
