"""Instruments, accuracy classes and MPEs, and accuracy → standard uncertainty."""

from __future__ import annotations

import math

import pytest
from GTC import type_b
from pydantic import ValidationError

from dualcarbon.metrology import (
    Accuracy,
    BoundaryLevel,
    Instrument,
    InstrumentKind,
    MeteringPoint,
    standard_uncertainty_from_accuracy,
)
from dualcarbon.metrology.calibration import standard_uncertainty_from_certificate
from dualcarbon.uncertainty import distributions


def _instrument(**changes: object) -> Instrument:
    fields: dict[str, object] = {
        "id": "BS-101",
        "quantity": "质量",
        "energy": "coal",
        "unit": "#1",
        "level": "secondary",
        "kind": "weigher_dynamic",
        "accuracy": Accuracy.parse("0.5"),
        "interval_months": 12,
    }
    return Instrument.model_validate(fields | changes)


# -- reading accuracies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "accuracy_class", "mpe", "unit"),
    [
        ("0.5", "0.5", None, "%"),
        (0.5, "0.5", None, "%"),
        (1, "1", None, "%"),
        ("0.2s", "0.2S", None, "%"),
        ("0.5S", "0.5S", None, "%"),
        ("0.5级", "0.5", None, "%"),
        ("class 1.0", "1.0", None, "%"),
        ("±0.5%", None, 0.5, "%"),
        ("0.5 %", None, 0.5, "%"),
        ("+-2.5%", None, 2.5, "%"),
        ("±1 °C", None, 1.0, "delta_degC"),
        ("±1℃", None, 1.0, "delta_degC"),
        ("±0.2 t/h", None, 0.2, "t/h"),
    ],
)
def test_accuracy_forms(
    written: str | float, accuracy_class: str | None, mpe: float | None, unit: str
) -> None:
    accuracy = Accuracy.parse(written)
    assert (accuracy.accuracy_class, accuracy.mpe, accuracy.mpe_unit) == (
        accuracy_class,
        mpe,
        unit,
    )
    assert Accuracy.parse(str(accuracy)) == accuracy  # the written form reads back


@pytest.mark.parametrize("written", ["abc", "1 °C", "±", "±0.5 furlongs-per-fortnight", "-0.5%"])
def test_unreadable_accuracy_is_refused(written: str) -> None:
    with pytest.raises(ValueError):
        Accuracy.parse(written)


def test_accuracy_needs_exactly_one_form() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        Accuracy(accuracy_class="0.5", mpe=0.5)
    with pytest.raises(ValidationError, match="exactly one"):
        Accuracy()


def test_relative_mpe_of_classes_and_percentages() -> None:
    assert Accuracy.parse("0.2S").relative_mpe == 0.2
    assert Accuracy.parse("0.2S").is_s_class
    assert Accuracy.parse("±1.5%").relative_mpe == 1.5
    assert Accuracy.parse("±1 °C").relative_mpe is None


# -- standard uncertainty ------------------------------------------------------------------------


def test_class_05_is_half_percent_over_root_3() -> None:
    """JCGM 100:2008 4.3.7, eq. (7): a rectangular distribution of half-width a has u = a/√3.

    Hand calculation: class 0.5 → a = 0.5 % of the reading; u = 0.5 %/√3 = 0.288675 %; on a
    reading of 1000 t, u = 2.88675 t.
    """
    u = standard_uncertainty_from_accuracy("0.5")
    assert u.distribution == "rectangular"
    assert u.unit == "%"
    assert u.half_width == 0.5
    assert u.value == pytest.approx(0.5 / math.sqrt(3), rel=1e-15)
    assert u.value == pytest.approx(0.288675, abs=5e-7)
    assert u.for_reading(1000.0) == pytest.approx(2.88675, abs=5e-6)


@pytest.mark.parametrize("written", ["0.2S", "0.5", "1.0", "2", "±0.1%", "±2.5%"])
def test_agrees_with_gtc_uniform(written: str) -> None:
    """GTC's type_b.uniform(a) (MSL New Zealand, an independent implementation): u = a/√3."""
    u = standard_uncertainty_from_accuracy(written)
    assert u.half_width is not None
    assert u.value == pytest.approx(type_b.uniform(u.half_width), rel=1e-15)


def test_agrees_with_the_uncertainty_engine() -> None:
    """The engine's rectangular input on [x − a, x + a] has u = (b − a)/√12 = a/√3."""
    reading = 112_400.0
    u = standard_uncertainty_from_accuracy(Accuracy.parse("0.5"))
    engine = distributions.from_accuracy("m", reading, 0.005)
    assert u.for_reading(reading) == pytest.approx(engine.u, rel=1e-14)
    quantity = u.input_quantity("m", reading)
    assert (quantity.kind, quantity.value) == ("rectangular", reading)
    assert quantity.u == pytest.approx(engine.u, rel=1e-14)
    assert (quantity.lower, quantity.upper) == pytest.approx((reading - 562.0, reading + 562.0))


def test_absolute_mpe_keeps_its_unit() -> None:
    u = standard_uncertainty_from_accuracy("±1 °C")
    assert (u.unit, u.half_width) == ("delta_degC", 1.0)
    assert u.value == pytest.approx(1 / math.sqrt(3), rel=1e-15)
    with pytest.raises(ValueError, match="absolute"):
        u.for_reading(20.0)
    assert u.input_quantity("t", 20.0).u == pytest.approx(u.value, rel=1e-14)


def test_certificate_u_is_expanded_over_k() -> None:
    """JCGM 100 4.3.3: U = 0.06 % with k = 2 → u = 0.03 %, normal."""
    u = standard_uncertainty_from_certificate(0.06, 2.0)
    assert (u.distribution, u.unit, u.coverage_factor) == ("normal", "%", 2.0)
    assert u.value == pytest.approx(0.03, rel=1e-15)
    quantity = u.input_quantity("E", 1840.0)
    assert quantity.kind == "normal"
    assert quantity.u == pytest.approx(1840.0 * 0.0003, rel=1e-14)
    with pytest.raises(ValueError):
        standard_uncertainty_from_certificate(0.06, 0.0)


def test_zero_reading_gives_a_constant_input() -> None:
    assert standard_uncertainty_from_accuracy("0.5").input_quantity("m", 0.0).kind == "constant"


# -- instruments and points ----------------------------------------------------------------------


def test_instrument_fields_and_labels() -> None:
    instrument = _instrument()
    assert instrument.level is BoundaryLevel.SECONDARY
    assert instrument.kind is InstrumentKind.WEIGHER_DYNAMIC
    assert instrument.metering_point == "coal · #1 · secondary"
    assert instrument.describe_point("zh") == "煤炭 · #1 · 进出主要次级用能单位"
    assert instrument.describe_point("zh", short=True) == "煤炭 · #1 · 二级"
    assert instrument.describe_point("en") == "coal · #1 · main secondary unit"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"energy": "caol"}, "unknown energy type"),
        ({"level": "plant"}, "level"),
        ({"kind": "scale"}, "kind"),
        ({"interval_months": 0}, "interval_months"),
        ({"id": "BS 101"}, "instrument id"),
        ({"range_min": 10.0, "range_max": 1.0}, "range_max is below range_min"),
        ({"range_unit": "bananas"}, "bananas"),
    ],
)
def test_bad_instruments_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _instrument(**changes)


def test_metering_point_checks_energy() -> None:
    point = MeteringPoint(id="P-1", energy="electricity", level=BoundaryLevel.SITE)
    assert point.instrument is None
    with pytest.raises(ValidationError, match="unknown energy type"):
        MeteringPoint(id="P-1", energy="electric", level=BoundaryLevel.SITE)
