"""A gas composition: names, normalisation and its correlations, and a composition file."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.errors import InputError
from dualcarbon.gas.composition import composition_from_mapping, normalised

RAW = {
    "methane": 94.215,
    "ethane": 3.128,
    "propane": 0.612,
    "nitrogen": 0.975,
    "carbon dioxide": 0.805,
}
RAW_U = {
    "methane": 0.040,
    "ethane": 0.015,
    "propane": 0.006,
    "nitrogen": 0.010,
    "carbon dioxide": 0.008,
}


def test_normalising_a_raw_analysis_correlates_the_fractions_as_sampling_does() -> None:
    """Against an independent computation: draw the raw amounts (independent normals), normalise
    each draw, and take the fractions' sample standard deviations and correlations."""
    raw = {n: v / 100 for n, v in RAW.items()}  # mol % as fractions: a raw total of 0.99735
    raw_u = {n: v / 100 for n, v in RAW_U.items()}
    gas = normalised(raw, raw_u)
    names = list(RAW)
    rng = np.random.default_rng(7)
    draws = np.column_stack([rng.normal(raw[n], raw_u[n], 400_000) for n in names])
    fractions = draws / draws.sum(axis=1, keepdims=True)
    sampled_u = fractions.std(axis=0, ddof=1)
    sampled_r = np.corrcoef(fractions, rowvar=False)
    total = sum(raw.values())
    for i, a in enumerate(names):
        assert gas.fractions[a] == pytest.approx(raw[a] / total, rel=1e-12)
        assert gas.u[a] == pytest.approx(sampled_u[i], rel=0.01)
        for j, b in enumerate(names):
            if i < j:
                assert gas.correlation(a, b) == pytest.approx(sampled_r[i, j], abs=0.01)
    assert gas.correlation("methane", "ethane") < -0.3  # methane against the rest, as expected


def test_a_file_in_mol_percent_with_chinese_names() -> None:
    raw = {
        "unit": "mol%",
        "composition": {"甲烷": {"x": 95.0, "u": 0.05}, "乙烷": 3.0, "二氧化碳": {"x": 2.0}},
    }
    gas = composition_from_mapping(raw, source="gas.yaml")
    assert gas.fractions == pytest.approx({"methane": 0.95, "ethane": 0.03, "carbon dioxide": 0.02})
    assert gas.u == pytest.approx({"methane": 0.0005})
    assert gas.without_uncertainty == ("ethane", "carbon dioxide")


def test_a_raw_analysis_in_a_file_is_normalised() -> None:
    raw = {
        "unit": "mol%",
        "normalised": False,
        "composition": {n: {"x": RAW[n], "u": RAW_U[n]} for n in RAW},
    }
    gas = composition_from_mapping(raw, source="gas.yaml")
    assert sum(gas.fractions.values()) == pytest.approx(1.0, abs=1e-15)
    assert gas.correlations  # from the normalisation


def test_every_problem_of_a_file_at_once() -> None:
    raw = {
        "unit": "ppm",
        "normalised": "yes",
        "composition": {"丁烷": 5, "甲烷": {"x": "ninety"}, "乙烷": {"u": 0.1}},
        "correlations": [["甲烷", "乙烷"]],
    }
    with pytest.raises(InputError) as caught:
        composition_from_mapping(raw, source="gas.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {
        "unit",
        "normalised",
        "composition.甲烷.x",
        "composition.乙烷",
        "correlations[1]",
    } <= fields
    assert all(p.file == "gas.yaml" for p in caught.value.problems)


def test_a_raw_analysis_far_from_100_percent_or_with_bad_u_is_refused() -> None:
    with pytest.raises(InputError, match="run the analysis again"):
        composition_from_mapping(
            {"unit": "mol%", "normalised": False, "composition": {"甲烷": 45, "乙烷": 3}},
            source="gas.yaml",
        )
    with pytest.raises(InputError) as caught:
        composition_from_mapping(
            {
                "unit": "mol%",
                "normalised": False,
                "composition": {"甲烷": {"x": 96, "u": -1}, "乙烷": {"x": 4, "u": float("nan")}},
            },
            source="gas.yaml",
        )
    assert {p.field for p in caught.value.problems} == {"composition.甲烷.u", "composition.乙烷.u"}


def test_a_component_without_u_takes_what_normalising_brings() -> None:
    """Carbon dioxide given without u in a raw analysis: normalising still moves it with the
    others, so it has a u and correlations."""
    gas = composition_from_mapping(
        {
            "unit": "mol%",
            "normalised": False,
            "composition": {
                "甲烷": {"x": 95.0, "u": 0.05},
                "乙烷": {"x": 4.0, "u": 0.02},
                "二氧化碳": 1.0,
            },
        },
        source="gas.yaml",
    )
    assert gas.u["carbon dioxide"] > 0
    assert gas.correlation("methane", "carbon dioxide") != 0


def test_a_pair_correlated_twice_or_a_boolean_r_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        composition_from_mapping(
            {
                "composition": {"methane": 0.9, "ethane": 0.06, "propane": 0.04},
                "correlations": [
                    ["ethane", "methane", 0.3],
                    ["methane", "ethane", -0.9],
                    ["methane", "propane", True],
                ],
            },
            source="gas.yaml",
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"correlations.methane/ethane", "correlations[3]"}
