"""IBM's execution spans for a local job: when its data was taken on the QPU.

qiskit-ibm-runtime puts ``metadata["execution"]["execution_spans"]`` in every result: an
:class:`~qiskit_ibm_runtime.execution_span.ExecutionSpans` whose spans say which slice of which
PUB's data was taken between ``start`` and ``stop``. A local job has one QPU span (from the
timeline, on the scheduler's clock), so one span covering every PUB: a ``DoubleSliceSpan``
(parameter sets × shots) for the Sampler, as IBM's Sampler returns, and a ``SliceSpan`` over
the broadcast shape for the Estimator.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.primitives.containers.sampler_pub import SamplerPub
    >>> qc = QuantumCircuit(1); qc.measure_all()
    >>> spans = execution_spans((0.0, 2.5), [SamplerPub.coerce(qc, 100)], "sampler")
    >>> spans.start.isoformat(), spans.duration, spans[0].size
    ('1970-01-01T00:00:00+00:00', 2.5, 100)
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

__all__ = ["execution_spans"]


def execution_spans(qpu: tuple[float, float] | None, pubs: list[Any], primitive: str) -> Any:
    """The job's ``ExecutionSpans``: one span over every PUB for the QPU span ``(start, end)``.

    ``qpu`` is in clock seconds since the epoch; None (not known) gives no spans.
    """
    from qiskit_ibm_runtime.execution_span import DoubleSliceSpan, ExecutionSpans, SliceSpan

    if qpu is None:
        return ExecutionSpans([])
    start, stop = (datetime.fromtimestamp(moment, tz=timezone.utc) for moment in qpu)
    if primitive == "sampler":
        double = {index: ((*pub.shape, int(pub.shots)),
                          slice(0, math.prod(pub.shape)), slice(0, int(pub.shots)))
                  for index, pub in enumerate(pubs)}
        return ExecutionSpans([DoubleSliceSpan(start, stop, double)])
    single = {index: (tuple(pub.shape), slice(0, math.prod(pub.shape)))
              for index, pub in enumerate(pubs)}
    return ExecutionSpans([SliceSpan(start, stop, single)])
