"""``%session`` / ``%batch`` keep a context open across cells; ``%qmodes`` shows the state."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import qmodes
from qmodes.modes import current_context

BELL = ("from qiskit import QuantumCircuit\n"
        "bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()")


class TestLineForm:
    def test_the_context_spans_cells_until_closed(self, shell, capsys):
        shell.run_cell(BELL)
        shell.run_cell("%session --no-widget -b aer")
        session = shell.user_ns["session"]
        assert current_context() is session
        shell.run_cell("import qmodes\njob1 = qmodes.Sampler().run([bell], shots=10)")
        shell.run_cell("job2 = sampler.run([bell], shots=10)\njob2.result();")
        assert {shell.user_ns[n].context_id for n in ("job1", "job2")} == {session.id}
        assert not session.closed
        shell.run_cell("%session --close")
        assert session.closed
        assert current_context() is None
        assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
            "session closed · 2 jobs (")
        job = qmodes.Sampler().run([shell.user_ns["bell"]], shots=10)
        assert job.context_id is None  # back to job mode

    def test_a_new_line_form_closes_the_previous_context(self, shell):
        shell.run_cell("%session --no-widget")
        first = shell.user_ns["session"]
        shell.run_cell("%batch --no-widget --max-time 30m")
        batch = shell.user_ns["batch"]
        assert first.closed and not batch.closed
        assert current_context() is batch
        assert batch.details()["max_time"] == 1800.0
        shell.run_cell("%batch --close")
        assert batch.closed

    def test_closing_the_other_mode_says_what_is_open(self, shell):
        shell.run_cell("%session --no-widget")
        with pytest.raises(UsageError, match=r"the open context is a session .*%session --close"):
            shell.run_cell("%batch --close")
        assert not shell.user_ns["session"].closed

    def test_closing_when_nothing_is_open_is_harmless(self, shell, capsys):
        shell.run_cell("%batch --close")
        assert "no %batch is open" in capsys.readouterr().out

    def test_a_cell_magic_inside_a_line_form_context_takes_precedence(self, shell):
        shell.run_cell("%session --no-widget --name outer")
        shell.run_cell("%%batch --no-widget\nimport qmodes\ninner = qmodes.current_context()")
        assert shell.user_ns["inner"] is shell.user_ns["batch"]
        assert current_context() is shell.user_ns["outer"]
        assert not shell.user_ns["outer"].closed

    def test_shutdown_closes_what_is_open(self, shell, magics):
        shell.run_cell("%session --no-widget")
        session = shell.user_ns["session"]
        magics.shutdown()  # what the atexit hook runs when the kernel shuts down
        assert session.closed
        assert current_context() is None

    def test_the_shutdown_hook_is_registered_with_atexit(self, shell, magics, monkeypatch):
        import atexit

        from qmodes.notebook.extension import load_ipython_extension, unload_ipython_extension

        registered = []
        monkeypatch.setattr(atexit, "register", registered.append)
        unload_ipython_extension(shell)
        load_ipython_extension(shell)
        new = shell.magics_manager.registry["QModesMagics"]
        assert registered == [new.at_exit]

    def test_unloading_the_extension_closes_it_and_removes_the_magics(self, shell):
        shell.run_cell("%session --no-widget")
        session = shell.user_ns["session"]
        shell.run_cell("%unload_ext qmodes")
        try:
            assert session.closed
            assert "session" not in shell.magics_manager.magics["cell"]
            assert "qmodes" not in shell.magics_manager.magics["line"]
            assert all(type(c).__name__ != "QModes" for c in shell.configurables)
        finally:
            shell.run_cell("%load_ext qmodes")


class TestStatus:
    def test_qmodes_lists_open_contexts_backends_and_defaults(self, shell, capsys):
        shell.run_cell("%config QModes.max_time = '30m'")
        shell.run_cell("%batch --no-widget -b fake_manila")
        batch = shell.user_ns["batch"]
        capsys.readouterr()
        shell.run_cell("%qmodes")
        out = capsys.readouterr().out
        assert f"{batch.id} on fake_manila (line form): Pending; 0 jobs" in out
        assert "backends: aer, aer:automatic" in out and "fake_manila" in out
        assert "max_time = 30m" in out
        assert "default_backend = 'aer'" in out

    def test_qmodes_with_nothing_open(self, shell, capsys):
        shell.run_cell("%qmodes")
        assert "open:\n  nothing" in capsys.readouterr().out

    def test_qmodes_inside_a_cell_shows_the_cell_s_context(self, shell, capsys):
        shell.run_cell("%%session --no-widget\n%qmodes")
        assert "(this cell)" in capsys.readouterr().out
