"""The door to other libraries' private parts.

Where qmodes must reach into qiskit-ibm-runtime (or Aer, or ipykernel) beyond its public API,
the access lives here, named, with why it is needed and the versions it was checked on, and a
test in ``tests/compat/test_private_parts.py`` that fails with a clear message when an upgrade
moves it (``tests/test_architecture.py`` checks that no other file names qiskit-ibm-runtime's).

* :mod:`qmodes.compat.runtime_private`: one function per private name of qiskit-ibm-runtime
  (the default-session ``ContextVar`` objects, ``Session._run``,
  ``QuantumProgram._semantic_role``, the local service's ``_run``/``_run_executor``,
  ``_account``, ``_get_api_client``, ``_instance``, ``_api_client``,
  ``RetrySession``/``api.rest.runtime``, ``_active``);
* :mod:`qmodes.compat.aer_private`: Aer's primitives' ``_run``;
* :mod:`qmodes.compat.kernel_private`: ipykernel's ``_supports_kernel_subshells`` and
  ``Comm._reply_subshell_for`` (the widget's buttons on a kernel subshell);
* :mod:`qmodes.compat.runtime_modes`: qiskit-ibm-runtime's primitives resolve their ``mode``
  in ``base_primitive.get_mode_service_backend``, which knows only its own ``IBMBackend``;
  qmodes teaches it that a qmodes backend is one of IBM's, so that
  ``SamplerV2(mode=backend)`` becomes a qmodes job and joins contexts by IBM's rule, and makes
  ``Session(backend=qmodes_backend)`` / ``Batch(...)`` qmodes' own session and batch.

This package may import qiskit-ibm-runtime, Aer and :mod:`qmodes.core`; nothing above it
(qmodes' backend class and modes are handed to it: :func:`runtime_modes.install`,
:func:`runtime_modes.register`).
"""
