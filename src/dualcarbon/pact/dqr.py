"""PACT v3 data quality ratings (``dqi``): the footprint's emission-weighted DQRs
(:mod:`dualcarbon.footprint.data_quality`, where the choices are explained) and the v3 field
name of each."""

from __future__ import annotations

from dualcarbon.footprint.data_quality import WeightedDqr, is_biogenic_uptake, weighted_dqr

V3_INDICATORS = {
    "technological": "technologicalDQR",
    "geographical": "geographicalDQR",
    "temporal": "temporalDQR",
}
"""The pedigree indicators PACT v3's ``dqi`` carries, and their field names."""

__all__ = ["V3_INDICATORS", "WeightedDqr", "is_biogenic_uptake", "weighted_dqr"]
