"""The door to other libraries' private parts.

Where qmodes must reach into qiskit-ibm-runtime beyond its public API, the access lives here,
named, with why it is needed and the versions it was checked on, and a test in
``tests/compat/`` that fails with a clear message when an upgrade moves it.

* :mod:`qmodes.compat.runtime_modes`: qiskit-ibm-runtime's primitives resolve their ``mode``
  in ``base_primitive.get_mode_service_backend``, which knows only its own ``IBMBackend``;
  qmodes teaches it that a qmodes backend is one of IBM's, so that
  ``SamplerV2(mode=backend)`` becomes a qmodes job and joins contexts by IBM's rule, and makes
  ``Session(backend=qmodes_backend)`` / ``Batch(...)`` qmodes' own session and batch.

This package may import qiskit-ibm-runtime and qmodes' backends; nothing above it.
"""
