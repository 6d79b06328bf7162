"""A default against constructed measurements whose consensus, bias and En are known by hand."""

from __future__ import annotations

import hashlib
import hmac
import math

import pytest

from dualcarbon.errors import DualcarbonError
from dualcarbon.factors import default_catalogue
from dualcarbon.factors.model import Factor
from dualcarbon.measured_factors.comparison import (
    check_default,
    check_defaults,
    check_summary,
    codes_key,
    holder_code,
)
from dualcarbon.measured_factors.consensus import consensus
from dualcarbon.measured_factors.observations import Observation

COAL = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"
KEY = codes_key("test secret")


def _default() -> Factor:
    return default_catalogue().get(COAL)


def _observations(means_tc_per_tj: list[float], u: float, months: int = 3) -> list[Observation]:
    """Each holder's months straddle its mean by ±0.2 tC/TJ, so the holder mean is exact."""
    found = []
    for index, mean in enumerate(means_tc_per_tj):
        for month in range(months):
            offset = (month - (months - 1) / 2) * 0.2
            found.append(
                Observation(COAL, mean + offset, "tC/TJ", u, f"plant {index}", 2024, f"m{month}")
            )
    return found


def test_holder_means_in_the_defaults_unit_with_their_uncertainty() -> None:
    check = check_default(_default(), _observations([26.0, 26.5, 27.5], 0.3), KEY)
    assert check.n == 9
    means = sorted(h.mean for h in check.holders)
    assert means == pytest.approx([0.0260, 0.0265, 0.0275], rel=1e-12)
    # u of a mean of three independent analyses: √(3·0.3²)/3 tC/TJ, in tC/GJ
    assert [h.u for h in check.holders] == [pytest.approx(0.3e-3 / math.sqrt(3), rel=1e-12)] * 3
    assert check.years == (2024,)


def test_bias_en_and_verdict_by_hand() -> None:
    default = _default()
    check = check_default(default, _observations([26.0, 26.5, 27.5], 0.3), KEY)
    expected = consensus([0.0260, 0.0265, 0.0275], [0.3e-3 / math.sqrt(3)] * 3)
    assert check.consensus.value == pytest.approx(expected.value, rel=1e-12)
    bias = default.value - expected.value
    assert check.bias == pytest.approx(bias, rel=1e-9)
    # the guideline prints no uncertainty for its default: u(b) = u(μ)
    assert default.standard_uncertainty is None
    assert check.en == pytest.approx(bias / (2 * expected.u), rel=1e-9)
    assert check.verdict == "default_above"
    assert check.understated_share == 0.0
    assert check.publishable


def test_a_default_inside_the_measurements_agrees() -> None:
    default = _default()
    value = default.value * 1000  # tC/TJ
    check = check_default(default, _observations([value - 0.8, value, value + 0.8], 0.3), KEY)
    assert check.en is not None and abs(check.en) <= 1
    assert check.verdict == "consistent"
    assert check.understated_share == pytest.approx(1 / 3)


def test_a_default_below_the_measurements_understates() -> None:
    value = _default().value * 1000
    check = check_default(
        _default(), _observations([value + 2.0, value + 2.5, value + 3.0], 0.3), KEY
    )
    assert check.verdict == "default_below"
    assert check.understated_share == 1.0


def test_two_enterprises_give_no_verdict_and_nothing_to_publish() -> None:
    check = check_default(_default(), _observations([26.0, 26.5], 0.3), KEY)
    assert check.en is None
    assert check.verdict == "insufficient"
    assert not check.publishable


def test_ids_and_refs_of_one_default_pool_together() -> None:
    observations = _observations([26.0, 26.5, 27.5], 0.3)
    observations[0] = Observation(
        f"{COAL}@1", 25.9, "tC/TJ", 0.3, "plant 0", 2024, "the ref, not the id"
    )
    (check,) = check_defaults(observations, default_catalogue(), KEY)
    assert check.n == 9


def test_a_unit_of_another_dimension_names_the_observation() -> None:
    wrong = [Observation(COAL, 26.0, "GJ/t", 0.3, "plant 0", 2024, "measurements.csv row 7")]
    with pytest.raises(DualcarbonError, match=r"measurements\.csv row 7"):
        check_default(_default(), wrong, KEY)


def test_enterprises_are_named_by_a_keyed_code() -> None:
    """HMAC-SHA-256 under the platform's key (RFC 2104): without the key, a list of enterprise
    names does not give their codes."""
    check = check_default(_default(), _observations([26.0, 26.5, 27.5], 0.3), KEY)
    labels = [h.label for h in check.holders]
    assert labels == sorted(labels)
    expected = hmac.new(KEY, b"plant 0", hashlib.sha256).hexdigest()[:10]
    assert f"E-{expected}" in labels
    assert holder_code("plant 0", codes_key("another secret")) not in labels
    assert all(len(label) == 12 and "plant" not in label for label in labels)


def test_two_enterprises_show_only_their_counts() -> None:
    summary = check_summary(check_default(_default(), _observations([26.0, 26.5], 0.3), KEY))
    assert (summary["measurements"], summary["enterprises"]) == (6, 2)
    assert summary["holders"] == []
    shown = {k for k, v in summary.items() if v is not None and k not in ("default_u",)}
    assert not shown & {"consensus", "consensus_u", "tau", "bias", "understated_share", "en"}


def test_equal_enterprises_without_uncertainty_give_no_verdict_and_nothing_to_publish() -> None:
    same = [Observation(COAL, 26.0, "tC/TJ", None, f"plant {h}", 2024, f"h{h}") for h in range(3)]
    check = check_default(_default(), same, KEY)
    assert check.consensus.u == pytest.approx(0.0, abs=1e-15)  # rounding of tC/TJ → tC/GJ
    assert check.verdict == "no_uncertainty"
    assert not check.publishable


@pytest.mark.parametrize("value", [0.0, -26.0])
def test_a_measurement_must_be_positive(value: float) -> None:
    wrong = [Observation(COAL, value, "tC/TJ", 0.3, "plant 0", 2024, "row 4")]
    with pytest.raises(DualcarbonError, match="row 4"):
        check_default(_default(), wrong, KEY)


def test_three_plants_of_one_group_are_one_organisation() -> None:
    """Three facilities of one organisation pass a count of holders but would disclose that
    organisation: the threshold counts organisations too."""
    plants = [
        Observation(COAL, 26.0 + h, "tC/TJ", 0.3, f"甲集团 / 电厂{h}", 2024, f"h{h}", "甲集团")
        for h in range(3)
    ]
    check = check_default(_default(), plants, KEY)
    assert (check.consensus.holders, check.organisations) == (3, 1)
    assert not check.disclosed and check.verdict == "insufficient" and not check.publishable
    assert check_summary(check)["consensus"] is None
