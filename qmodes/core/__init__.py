"""The model every other layer shares: the timeline of contexts, jobs and spans
(:mod:`.timeline`, delivered by :mod:`.dispatch`), the job handle (:mod:`.jobs`), IBM's
billing rules over the timeline (:mod:`.usage`), options (:mod:`.options`), clocks
(:mod:`.clock`), durations (:mod:`.durations`), errors (:mod:`.errors`), waits
(:mod:`.waiting`) and the job-mode submission signal (:mod:`.submitted`).

The bottom engine layer: it imports only :mod:`qmodes._util`, Qiskit and qiskit-ibm-runtime's
public types; never another qmodes package.
"""
