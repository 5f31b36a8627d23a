"""What QPU time costs before and after it is spent: IBM's projection of a job's QPU time
(:mod:`.projection`), the instance's allowance (:mod:`.allowance`) and the budget a job must fit
(:mod:`.budget`). The billing rules themselves are pure functions of the timeline in
:mod:`qmodes.core.usage`.

It may import :mod:`qmodes.backends`, :mod:`qmodes.compat`, :mod:`qmodes.core` and
:mod:`qmodes._util`; never the engines (local, remote, compute), the contexts or the observers.
"""
