"""The carbon-label record: built from the PV example's result, its validity and verification
rules, its digest of the study inputs, and its JSON round trip."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError
from systems import PV

from dualcarbon.footprint.data_quality import weighted_dqr
from dualcarbon.footprint.footprint import FootprintResult, compute_footprint, footprint_monte_carlo
from dualcarbon.footprint.label import (
    LABEL_FORMAT,
    CarbonLabel,
    Verification,
    VerificationStatus,
    carbon_label,
    study_digest,
)
from dualcarbon.footprint.model import Boundary, ProductSystem, Stage
from dualcarbon.footprint.study import StudyInfo
from dualcarbon.io.product_yaml import read_product_system

FROM, UNTIL, ISSUED = dt.date(2025, 3, 1), dt.date(2028, 2, 29), dt.date(2025, 2, 20)


@pytest.fixture(scope="module")
def system() -> ProductSystem:
    return read_product_system(PV)


@pytest.fixture(scope="module")
def result(system: ProductSystem) -> FootprintResult:
    return compute_footprint(system)


def _label(result: FootprintResult, system: ProductSystem, **changes: object) -> CarbonLabel:
    facts: dict[str, object] = {
        "label_id": "CFP-PV-0001",
        "valid_from": FROM,
        "valid_until": UNTIL,
        "issued": ISSUED,
    }
    facts.update(changes)
    return carbon_label(result, system, **facts)  # type: ignore[arg-type]


def test_label_copies_the_result(result: FootprintResult, system: ProductSystem) -> None:
    label = _label(result, system)
    assert label.value == result.total
    assert label.unit == "kgCO2e"
    assert label.per == "1 m² of PV module at the factory gate / 1 m² 光伏组件（出厂）"
    assert label.unit_kind == "declared"  # a partial CFP (cradle to gate), ISO 14067 6.3.3
    assert label.boundary is Boundary.CRADLE_TO_GATE
    assert label.stages == (Stage.RAW_MATERIAL_ACQUISITION, Stage.PRODUCTION)
    assert label.gwp_set == "gwp-ipcc-ar6"  # the file's "AR6", as the catalogue names it
    assert label.standard == "GB/T 24067-2024"
    assert (label.period_start, label.period_end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert label.components.fossil == result.components.fossil
    assert label.primary_data_share == result.primary_data_share
    assert label.verification.status is VerificationStatus.NOT_VERIFIED
    assert label.format == LABEL_FORMAT


def test_validity_must_end_after_it_starts(result: FootprintResult, system: ProductSystem) -> None:
    with pytest.raises(ValidationError, match="must come after"):
        _label(result, system, valid_until=FROM)
    with pytest.raises(ValidationError, match="must come after"):
        _label(result, system, valid_until=FROM - dt.timedelta(days=1))
    one_day = _label(result, system, valid_until=FROM + dt.timedelta(days=1))
    assert one_day.valid_until - one_day.valid_from == dt.timedelta(days=1)


def test_a_label_is_not_issued_after_it_expires(
    result: FootprintResult, system: ProductSystem
) -> None:
    with pytest.raises(ValidationError, match="after the label expires"):
        _label(result, system, issued=UNTIL + dt.timedelta(days=1))


def test_verification_rules() -> None:
    """Third-party verification names verifier and date; "not verified" names neither."""
    with pytest.raises(ValidationError, match="verifier and its date"):
        Verification(status=VerificationStatus.THIRD_PARTY_VERIFIED, verifier="示例认证中心")
    with pytest.raises(ValidationError, match="verifier and its date"):
        Verification(status=VerificationStatus.THIRD_PARTY_VERIFIED, date=dt.date(2025, 2, 1))
    with pytest.raises(ValidationError, match="verifier and its date"):
        Verification(
            status=VerificationStatus.THIRD_PARTY_VERIFIED, verifier=" ", date=dt.date(2025, 2, 1)
        )
    with pytest.raises(ValidationError, match="not verified"):
        Verification(verifier="someone")
    checked = Verification(
        status=VerificationStatus.THIRD_PARTY_VERIFIED,
        verifier="示例认证中心",
        date=dt.date(2025, 2, 1),
    )
    assert checked.status.label_zh == "第三方核查"
    assert Verification(status=VerificationStatus.SELF_DECLARED).verifier is None


def test_label_is_frozen(result: FootprintResult, system: ProductSystem) -> None:
    label = _label(result, system)
    with pytest.raises(ValidationError):
        label.value = 1.0  # type: ignore[misc]


def test_components_must_add_up_to_the_value(
    result: FootprintResult, system: ProductSystem
) -> None:
    data = _label(result, system).model_dump()
    data["value"] = result.total + 1.0
    with pytest.raises(ValidationError, match="components add up"):
        CarbonLabel.model_validate(data)


def test_json_round_trip(result: FootprintResult, system: ProductSystem) -> None:
    label = _label(
        result,
        system,
        verification=Verification(
            status=VerificationStatus.THIRD_PARTY_VERIFIED,
            verifier="示例认证中心",
            date=dt.date(2025, 2, 18),
            statement="VS-2025-018",
        ),
    )
    text = label.to_json()
    assert "示例认证中心" in text  # Chinese kept readable
    data = json.loads(text)
    assert data["format"] == "dualcarbon.carbon-label/2"
    assert data["valid_until"] == "2028-02-29"
    assert data["verification"]["status"] == "third_party_verified"
    assert data["stages"] == ["raw_material_acquisition", "production"]
    back = CarbonLabel.from_json(text)
    assert back == label
    assert back.value == result.total  # floats survive JSON exactly (repr round trip)


def test_json_with_broken_validity_is_refused(
    result: FootprintResult, system: ProductSystem
) -> None:
    data = json.loads(_label(result, system).to_json())
    data["valid_until"] = data["valid_from"]
    with pytest.raises(ValidationError, match="must come after"):
        CarbonLabel.from_json(json.dumps(data))


def test_digest_follows_the_study_inputs(system: ProductSystem) -> None:
    digest = study_digest(system)
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    assert study_digest(read_product_system(PV)) == digest  # same file, same digest
    changed = system.model_copy(update={"study": StudyInfo(version="2")})
    assert study_digest(changed) != digest
    assert study_digest(system, {"cell_yield": 0.95}) != digest
    assert study_digest(system, {}) == digest


def test_the_result_must_be_the_systems(result: FootprintResult, system: ProductSystem) -> None:
    other = system.model_copy(update={"study": StudyInfo(version="2")})
    with pytest.raises(ValueError, match="not of this system"):
        _label(result, other)
    overridden = compute_footprint(system, overrides={"cell_yield": 0.95})
    label = _label(overridden, system)  # the result carries its overrides
    assert label.inputs_digest == study_digest(system, {"cell_yield": 0.95})
    assert label.value == overridden.total != result.total


def test_label_carries_the_interval_of_its_monte_carlo_run(
    result: FootprintResult, system: ProductSystem
) -> None:
    """The value with its 95 % interval, draws and seed: the run's own quantiles, copied."""
    run = footprint_monte_carlo(result.matrices, 300, seed=5)
    label = _label(result, system, monte_carlo=run)
    assert label.uncertainty is not None
    low, high = run.interval(0.95)
    assert (label.uncertainty.low, label.uncertainty.high) == (low, high)
    assert low < label.value < high
    assert (label.uncertainty.draws, label.uncertainty.seed, label.uncertainty.coverage) == (
        300,
        5,
        0.95,
    )
    assert CarbonLabel.from_json(label.to_json()) == label
    assert _label(result, system).uncertainty is None  # no run, no interval invented


def test_label_refuses_a_run_of_another_system(
    result: FootprintResult, system: ProductSystem
) -> None:
    other = compute_footprint(system, overrides={next(iter(system.parameter_values())): 99.0})
    run = footprint_monte_carlo(other.matrices, 50, seed=1)
    with pytest.raises(ValueError, match="another system"):
        _label(result, system, monte_carlo=run)


def test_label_carries_the_emission_weighted_dqr(
    result: FootprintResult, system: ProductSystem
) -> None:
    """The PV example scores its exchanges; the label's DQRs are the footprint's PACT v3 DQRs
    (their weighting is tested in tests/pact/test_mapping.py)."""
    label = _label(result, system)
    dqr = weighted_dqr(system, result)
    assert dqr is not None and label.data_quality is not None
    assert label.data_quality.technological == dqr.technological
    assert label.data_quality.temporal == dqr.temporal
    assert label.data_quality.coverage_percent == dqr.coverage_percent
    assert 1.0 <= label.data_quality.geographical <= 5.0


def test_a_version_one_record_still_reads(result: FootprintResult, system: ProductSystem) -> None:
    data = json.loads(_label(result, system).to_json())
    data["format"] = "dualcarbon.carbon-label/1"
    del data["uncertainty"], data["data_quality"]
    old = CarbonLabel.model_validate(data)
    assert old.uncertainty is None and old.value == result.total
