"""The ``executor`` program (``qiskit_ibm_runtime.executor_sampler.Sampler``, ``Executor``).

The client sends a ``QuantumProgram`` as ``ibm_quantum_schemas`` executor ``v2.0`` params and
expects a ``QuantumProgramResultModel`` (same schema version) back; its own decoders then turn
it into a ``PrimitiveResult`` client side (``semantic_role`` ``"sampler-v2"`` etc.). The server
runs the program with qiskit-ibm-runtime's own local simulator path
(``fake_provider.executor.run_quantum_program``), i.e. exactly what local testing mode runs,
and encodes the result with the schema's models.

Example:
    >>> # AerExecutor routes program_id "executor" here, on the QPU lane of qmodes' engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmodes.compat.runtime_private import semantic_role

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

__all__ = ["run_executor_program"]

SCHEMA_VERSION = "v2.0"


def run_executor_program(backend: BackendV2, params: dict[str, Any], clock: Any) -> tuple[str, int]:
    """Run executor ``params`` (as received) on ``backend``; ``clock()`` stamps the chunk timing.

    Returns:
        The result JSON text and the number of circuit executions.

    Raises:
        ValueError: If the params' schema version is not ``v2.0``.
    """
    # heavy: Qiskit loads when a job or device needs it, not on import
    import numpy as np
    from ibm_quantum_schemas.common import CompressedTensorModel
    from ibm_quantum_schemas.executor.version_2_0 import (
        ChunkPart,
        ChunkSpan,
        ItemMetadataModel,
        MetadataModel,
        ParamsModel,
        QuantumProgramResultItemModel,
        QuantumProgramResultModel,
    )
    from qiskit_ibm_runtime.fake_provider.executor.run_quantum_program import (
        run_quantum_program,
    )
    from qiskit_ibm_runtime.quantum_program.converters.converters_2_0 import (
        passthrough_data_to_2_0,
        quantum_program_from_2_0,
    )

    version = params.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"executor params schema {version!r} not supported (only {SCHEMA_VERSION})"
        )
    program, options = quantum_program_from_2_0(ParamsModel(**params))
    for item in program.items:  # a decoded samplex must be finalized before it can sample
        samplex = getattr(item, "samplex", None)
        if samplex is not None and not getattr(samplex, "_finalized", True):
            samplex.finalize()
    start = clock()
    result = run_quantum_program(backend, program, options.simulator)
    end = clock()
    items, parts = [], []
    executions = 0
    for index, (item, item_result) in enumerate(zip(program.items, result, strict=True)):
        shape = tuple(getattr(item, "shape", ()) or ())
        size = int(np.prod(shape)) if shape else 1
        executions += size * program.shots
        parts.append(
            ChunkPart(
                idx_item=index,
                size=size,
                permutation=list(range(len(shape))),
                element_range=(0, size, 1),
            )
        )
        tensors = {
            name: CompressedTensorModel.from_numpy(np.asarray(value))
            for name, value in item_result.items()
        }
        items.append(QuantumProgramResultItemModel(results=tensors, metadata=ItemMetadataModel()))
    model = QuantumProgramResultModel(
        data=items,
        metadata=MetadataModel(chunk_timing=[ChunkSpan(start=start, stop=end, parts=parts)]),
        passthrough_data=passthrough_data_to_2_0(program.passthrough_data),
        semantic_role=semantic_role(program),
    )
    return model.model_dump_json(), executions


def project_program(params: dict[str, Any], device: BackendV2) -> tuple[float, int]:
    """IBM's projected QPU seconds and the executions of executor ``params`` on ``device``.

    The same estimate as :func:`qmodes.accounting.projection.project_pubs`: 2 s plus, per
    execution, the device's rep delay, qubit reset and the circuit's duration.
    """
    # heavy: Qiskit loads when a job or device needs it, not on import
    import numpy as np
    from ibm_quantum_schemas.executor.version_2_0 import ParamsModel
    from qiskit_ibm_runtime.quantum_program.converters.converters_2_0 import (
        quantum_program_from_2_0,
    )

    # start-up time: the engine (and Qiskit) loads on first use; a layer below
    from qmodes.accounting.projection import (
        SUB_JOB_OVERHEAD,
        _init_duration,
        circuit_duration,
        rep_delay_of,
    )

    program, _ = quantum_program_from_2_0(ParamsModel(**params))
    delay, init = rep_delay_of(device), _init_duration(device)
    seconds, executions = SUB_JOB_OVERHEAD, 0
    for item in program.items:
        shape = tuple(getattr(item, "shape", ()) or ())
        count = (int(np.prod(shape)) if shape else 1) * int(program.shots)
        executions += count
        seconds += count * (delay + init + circuit_duration(item.circuit, device))
    return seconds, executions
