"""National default factors checked against the measured values enterprises report (实测验证),
and measured factors published as new versions superseding the defaults
(docs/measured-factors.md)."""

from dualcarbon.measured_factors.comparison import DefaultCheck, check_defaults
from dualcarbon.measured_factors.consensus import Consensus, consensus
from dualcarbon.measured_factors.observations import Observation, observations_from_result
from dualcarbon.measured_factors.publication import MeasuredSource, measured_factor_file

__all__ = [
    "Consensus",
    "DefaultCheck",
    "MeasuredSource",
    "Observation",
    "check_defaults",
    "consensus",
    "measured_factor_file",
    "observations_from_result",
]
