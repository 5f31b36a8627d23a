"""IBM's limits and defaults that qmodes enforces or emulates, each in one place with its source.

Every other module imports these; none keeps its own copy. The sources are pages of the IBM
Quantum documentation (docs.quantum.ibm.com) and qiskit-ibm-runtime's own defaults:

* :data:`MAX_SAMPLER_EXECUTIONS`: "Job limits" (at most 10 million executions, circuits ×
  shots, per Sampler job; Estimator jobs are split into sub-jobs instead);
* :data:`MAX_EXECUTION_TIME`: "Maximum execution time" (a job may use at most 3 h of QPU time;
  the largest ``max_execution_time`` accepted);
* :data:`MAX_TTL`: "Run jobs in a session", "Run jobs in a batch" (the maximum TTL,
  ``max_time``, of a session or batch is 8 hours; shorter on some plans);
* :data:`IDLE_SESSION_CLOSE` and :data:`INTERACTIVE_TTL_LIMIT`: "Execution modes FAQ" (a
  session with no job for 30 minutes closes itself, so a longer interactive TTL cannot matter);
* :data:`DEFAULT_PRECISION`: qiskit-ibm-runtime's ``EstimatorOptions.default_precision``,
  "Specify options" (1/64 when neither the PUB, ``run`` nor the options give a precision);
  qmodes also projects an exact estimate (precision 0, a simulator's) at this precision.

qmodes' own bound, not IBM's: :data:`PACE_LIMIT` and :func:`check_pace` (how slowly device time
may be made to flow, ``QModes.pace`` / ``LocalRuntime.pace``).

Example:
    >>> MAX_SAMPLER_EXECUTIONS, DEFAULT_PRECISION == 1 / 64, MAX_TTL / 3600
    (10000000, True, 8.0)
    >>> check_pace(0.1)
    0.1
    >>> check_pace(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: pace must be a positive speed factor up to 100, such as 1.0 ...; got 0
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = [
    "DEFAULT_PRECISION",
    "IDLE_SESSION_CLOSE",
    "INTERACTIVE_TTL_LIMIT",
    "MAX_EXECUTION_TIME",
    "MAX_SAMPLER_EXECUTIONS",
    "MAX_TTL",
    "PACE_LIMIT",
    "check_pace",
]

MAX_SAMPLER_EXECUTIONS = 10_000_000
"""Executions (circuits × shots) IBM accepts in one Sampler job ("Job limits")."""
MAX_EXECUTION_TIME = 3 * 3600.0
"""The most QPU seconds one job may use, and the largest ``max_execution_time`` IBM accepts
("Maximum execution time")."""
MAX_TTL = 8 * 3600.0
"""The longest maximum TTL (``max_time``) of a session or batch, in seconds ("Run jobs in a
session", "Run jobs in a batch")."""
IDLE_SESSION_CLOSE = 30 * 60.0
"""Seconds without a job after which IBM closes a session ("Execution modes FAQ")."""
INTERACTIVE_TTL_LIMIT = IDLE_SESSION_CLOSE
"""The longest interactive TTL accepted: an idle session closes by then anyway."""
DEFAULT_PRECISION = 1 / 64
"""qiskit-ibm-runtime's default Estimator precision, 0.015625 ("Specify options")."""

PACE_LIMIT = 100.0
"""qmodes' own bound: the most wall seconds per device second (``QModes.pace``)."""


def check_pace(value: Any, name: str = "pace") -> float | None:
    """``value`` as wall seconds per device second: None (1.0) or a number in (0,
    :data:`PACE_LIMIT`].

    Raises:
        ValueError: naming ``name``, with what is valid.
    """
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not (math.isfinite(value) and 0 < value <= PACE_LIMIT)):
        raise ValueError(f"{name} must be a positive speed factor up to {PACE_LIMIT:g}, such "
                         f"as 1.0 (real device time) or 0.1 (ten times faster), or None; "
                         f"got {value!r}")
    return value
