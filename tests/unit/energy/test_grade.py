"""Quota grades worked by hand from the standards' clauses (values as transcribed; see each data
file's ``verified``):

* GB 16780-2021 Table 1 (cement at a 75 % clinker ratio: 80 / 87 / 94 kgce/t), the clinker-ratio
  correction (1.10 / 1.15 / 1.20 kgce/t per point) and 5.3 formula (1), K = 1.179 − 0.211 × P /
  101 325 on grade 3 above 1 500 m; Table 2 (clinker: 100 / 107 / 117 kgce/t).
* GB 21258-2024 Table 1 (supply coal rate, gce/kWh), Table 2 increments on grades 1 and 3, the
  influence factors of Tables 3–6 on every grade (both declared by the operator).
"""

from __future__ import annotations

import pytest

from dualcarbon.energy.grade import grade
from dualcarbon.energy.quotas import get_quota_standard
from dualcarbon.errors import InputError

CEMENT = get_quota_standard("gb-16780-2021")
COAL = get_quota_standard("gb-21258-2024")


def test_a_cement_plant_at_altitude_with_a_high_clinker_ratio() -> None:
    # 80 % clinker, 2 000 m, P = 79 500 Pa
    k = 1.179 - 0.211 * 79_500 / 101_325
    result = grade(
        CEMENT,
        "cement_energy",
        98.0,
        conditions={"clinker_ratio": 80, "altitude_m": 2000, "pressure_pa": 79_500},
    )
    limits = {limit.grade: limit.limit for limit in result.limits}
    assert limits[1] == pytest.approx(80 + 5 * 1.10)
    assert limits[2] == pytest.approx(87 + 5 * 1.15)
    assert limits[3] == pytest.approx((94 + 5 * 1.20) * k)  # ratio first, then × K
    assert result.grade == 3 and result.meets_limit
    assert result.to_next == (2, pytest.approx(98.0 - (87 + 5 * 1.15)))
    assert result.headroom == pytest.approx((94 + 5 * 1.20) * k - 98.0)
    clauses = [step.clause for step in result.limits[2].steps]
    assert clauses == ["GB 16780-2021 4.1 表1 注、5.4（条款号未核实）", "GB 16780-2021 5.3 式(1)"]


def test_a_low_clinker_ratio_lowers_every_limit() -> None:
    result = grade(CEMENT, "cement_energy", 80.0, conditions={"clinker_ratio": 70})
    limits = {limit.grade: limit.limit for limit in result.limits}
    assert limits == pytest.approx({1: 80 - 5 * 1.10, 2: 87 - 5 * 1.15, 3: 94 - 5 * 1.20})
    assert result.grade == 2
    assert any("altitude" in note for note in result.notes_en)  # said, not silently skipped


def test_the_altitude_correction_lets_a_clinker_line_meet_its_limit() -> None:
    k = 1.179 - 0.211 * 79_500 / 101_325
    above = 117.5  # over 117 kgce/t, under 117 × K
    at_sea = grade(CEMENT, "clinker_energy", above)
    high = grade(
        CEMENT, "clinker_energy", above, conditions={"altitude_m": 2000, "pressure_pa": 79_500}
    )
    assert at_sea.grade is None and not at_sea.meets_limit
    assert at_sea.to_next == (3, pytest.approx(0.5))
    assert high.grade == 3
    assert high.limits[-1].limit == pytest.approx(117 * k)
    assert [limit.limit for limit in high.limits[:2]] == [100, 107]  # grades 1, 2 untouched


def test_below_1500_m_no_altitude_factor_applies() -> None:
    result = grade(
        CEMENT, "clinker_energy", 110, conditions={"altitude_m": 1200, "pressure_pa": 88_000}
    )
    assert all(not limit.steps for limit in result.limits)


def test_a_subcritical_coal_unit_with_declared_corrections() -> None:
    result = grade(
        COAL,
        "supply_coal_rate",
        310.0,
        quota_class="subc_600",
        conditions={"influence_factor": 1.01, "table2_increment": 5.0},
        declared_clauses={"influence_factor": "表3 负荷率 75%", "table2_increment": "表2 空冷"},
    )
    limits = {limit.grade: limit.limit for limit in result.limits}
    assert limits[1] == pytest.approx(303 * 1.01 + 5)
    assert limits[2] == pytest.approx(285 * 1.01)  # no Table 2 increment on grade 2
    assert limits[3] == pytest.approx(312 * 1.01 + 5)
    assert result.grade == 1  # 310 ≤ 311.03
    assert all(step.declared for limit in result.limits for step in limit.steps)
    assert result.confidence == "UNVERIFIED"  # rests on the operator's declared corrections


def test_grade_2_printed_below_grade_1_is_checked_on_its_own() -> None:
    # GB 21258-2024 Table 1 as transcribed: supercritical 600 MW 286 / 285 / 299
    result = grade(COAL, "supply_coal_rate", 290.0, quota_class="sc_600")
    assert result.grade == 3
    assert result.to_next == (1, pytest.approx(4.0))  # grade 1 (286) is nearer than grade 2
    assert any("285" in note for note in result.notes_zh)
    assert grade(COAL, "supply_coal_rate", 285.5, quota_class="sc_600").grade == 1


def test_a_unit_without_its_class_or_with_an_unknown_class_is_refused() -> None:
    for quota_class in (None, "ultra_1200"):
        with pytest.raises(InputError) as caught:
            grade(COAL, "supply_coal_rate", 300.0, quota_class=quota_class)
        problem = caught.value.problems[0]
        assert problem.field == "class" and "subc_600" in problem.rule


def test_a_declared_value_needs_its_clause_and_a_plausible_size() -> None:
    with pytest.raises(InputError) as caught:
        grade(
            COAL,
            "supply_coal_rate",
            300.0,
            quota_class="usc_1000",
            conditions={"influence_factor": 2.5, "table2_increment": 4},
        )
    fields = sorted(p.field or "" for p in caught.value.problems)
    assert fields == ["influence_factor", "influence_factor_clause", "table2_increment_clause"]


def test_cement_needs_its_clinker_ratio_and_a_high_site_its_pressure() -> None:
    with pytest.raises(InputError) as caught:
        grade(CEMENT, "cement_energy", 90.0, conditions={"altitude_m": 2500})
    assert sorted(p.field or "" for p in caught.value.problems) == ["clinker_ratio", "pressure_pa"]
    with pytest.raises(InputError):
        grade(CEMENT, "cement_energy", 90.0, conditions={"clinker_ratio": 120})


def test_a_blast_furnace_feed_grade_correction_is_capped_at_five_points() -> None:
    steel = get_quota_standard("gb-21256-2025")
    result = grade(steel, "blast_furnace", 400.0, conditions={"feed_grade": 55.0})
    limits = {limit.grade: limit.limit for limit in result.limits}
    assert limits[3] == pytest.approx(415 + 5 * 3.61)  # 7 points below 62 %, capped at 5
    above = grade(steel, "blast_furnace", 400.0, conditions={"feed_grade": 64.0})
    assert {limit.grade: limit.limit for limit in above.limits}[3] == 415  # nothing taken off


def test_converter_limits_are_negative_and_graded_the_same_way() -> None:
    steel = get_quota_standard("gb-21256-2025")
    result = grade(steel, "converter", -29.0)
    assert result.grade == 2 and result.to_next == (1, pytest.approx(1.0))


def test_an_unknown_indicator_names_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        grade(CEMENT, "clinker", 100.0)
    assert "clinker_energy" in caught.value.problems[0].rule


def test_a_pressure_that_does_not_fit_the_altitude_is_refused() -> None:
    # sea-level pressure at 2 000 m would make K < 1 and tighten grade 3 instead of relaxing it
    with pytest.raises(InputError) as caught:
        grade(
            CEMENT, "clinker_energy", 110, conditions={"altitude_m": 2000, "pressure_pa": 101_325}
        )
    assert "about 79,495 Pa" in caught.value.problems[0].rule


def test_a_condition_no_correction_reads_is_refused_when_grading_a_value() -> None:
    with pytest.raises(InputError) as caught:
        grade(CEMENT, "clinker_energy", 110, conditions={"clinker_ratio": 80}, strict=True)
    assert caught.value.problems[0].field == "clinker_ratio"


def test_a_negative_value_is_refused_where_no_limit_is_negative() -> None:
    with pytest.raises(InputError):
        grade(CEMENT, "clinker_energy", -50.0)
