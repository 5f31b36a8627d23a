"""``%%session`` and ``%%batch``: the cell is the boundary of the context."""

from __future__ import annotations

import asyncio

import pytest

import qmodes

BELL = """
from qiskit import QuantumCircuit
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
"""


@pytest.fixture(autouse=True)
def _bell(shell):
    shell.run_cell(BELL)


class TestNames:
    def test_session_sampler_and_estimator_are_bound_and_stay_after_the_cell(self, shell):
        shell.run_cell("%%session --no-widget\ninside = session.status()\n"
                       "job = sampler.run([bell], shots=10)\njob.result()")
        ns = shell.user_ns
        session = ns["session"]
        assert isinstance(session, qmodes.Session)
        assert ns["inside"] == "Pending"
        assert ns["sampler"].mode is session
        assert ns["estimator"].mode is session
        assert ns["job"].context_id == session.id
        assert isinstance(ns["estimator"], qmodes.Estimator)
        assert session.status() == "Closed"
        assert session.details()["mode"] == "dedicated"

    def test_batch_binds_batch(self, shell):
        shell.run_cell("%%batch --no-widget\njob = sampler.run([bell], shots=10)")
        batch = shell.user_ns["batch"]
        assert isinstance(batch, qmodes.Batch)
        assert shell.user_ns["job"].context_id == batch.id
        assert batch.closed

    def test_name_chooses_the_variable(self, shell):
        shell.run_cell("%%session --no-widget --name s1\nx = s1.id")
        assert shell.user_ns["x"] == shell.user_ns["s1"].id
        assert "session" not in shell.user_ns

    def test_unmodified_code_creating_sampler_uses_the_open_context(self, shell):
        shell.run_cell("%%batch --no-widget\nimport qmodes\n"
                       "jobs = [qmodes.Sampler().run([bell], shots=10) for _ in range(3)]\n"
                       "est = qmodes.Estimator()")
        batch = shell.user_ns["batch"]
        assert {job.context_id for job in shell.user_ns["jobs"]} == {batch.id}
        assert len(batch.jobs()) == 3

    def test_options_reach_the_context(self, shell):
        shell.run_cell("%%session --no-widget -b fake_manila --max-time 2h 30m "
                       "--interactive-ttl 90s\npass")
        details = shell.user_ns["session"].details()
        assert details["backend_name"] == "fake_manila"
        assert details["max_time"] == 9000.0
        assert details["interactive_timeout"] == 90.0

    def test_after_the_cell_no_context_is_current(self, shell):
        shell.run_cell("%%session --no-widget\npass")
        assert qmodes.current_context() is None


class TestIPythonBehaviour:
    def test_last_expression_is_displayed(self, shell, capsys):
        shell.run_cell("%%session --no-widget\n6 * 7", store_history=True)
        assert "Out[" in capsys.readouterr().out
        assert shell.user_ns["_"] == 42

    def test_display_and_nested_magics_work(self, shell, capsys):
        shell.run_cell("%%session --no-widget\nfrom IPython.display import display\n"
                       "display('shown by display')\n%time t = 1\nnames = %who_ls")
        out = capsys.readouterr().out
        assert "shown by display" in out
        assert "Wall time" in out
        assert shell.user_ns["t"] == 1

    def test_top_level_await_runs_with_the_context_current(self, shell):
        shell.run_cell("%%session --no-widget\nimport asyncio, qmodes\n"
                       "await asyncio.sleep(0)\nafter_await = qmodes.current_context()\n"
                       "async def submit():\n    return qmodes.Sampler().run([bell], shots=10)\n"
                       "job = await asyncio.create_task(submit())\n"
                       "(await asyncio.to_thread(job.result)).__class__.__name__")
        ns = shell.user_ns
        assert ns["after_await"] is ns["session"]
        assert ns["job"].context_id == ns["session"].id
        assert ns["session"].status() == "Closed"
        assert ns["_"] == "PrimitiveResult"

    def test_a_cell_without_await_is_not_rewritten(self, shell):
        assert "run_cell_magic(" in shell.transform_cell("%%session\nx = 1")
        assert "run_cell_async(" in shell.transform_cell("%%session\nawait f()")

    def test_with_autoawait_off_await_is_the_body_s_syntax_error(self, shell):
        shell.run_cell("%autoawait False")
        try:
            with pytest.raises(SyntaxError):
                shell.run_cell("%%session --no-widget\nimport asyncio\nawait asyncio.sleep(0)")
        finally:
            shell.run_cell("%autoawait True")
        assert shell.user_ns["session"].closed


class TestClosing:
    """Whatever the body does, the context is closed when the cell ends."""

    def test_after_success(self, shell, manual, capsys):
        shell.run_cell("%%session --no-widget\njob = sampler.run([bell], shots=10)")
        session = shell.user_ns["session"]
        assert session.closed
        manual.clock.run_until_idle()
        assert shell.user_ns["job"].status() == "DONE"  # closing lets submitted jobs finish
        assert session.status() == "Closed"
        assert capsys.readouterr().out.strip().endswith(
            "session closed · 1 job (1 running) · usage 0 s measured on Aer")

    def test_after_an_error_which_is_then_the_cell_s_error(self, shell, capsys):
        with pytest.raises(ValueError, match="boom") as raised:
            shell.run_cell("%%session --no-widget\njob = sampler.run([bell], shots=10)\n"
                           "def f():\n    raise ValueError('boom')\nf()")
        assert shell.user_ns["session"].closed
        out = capsys.readouterr().out
        assert out.count("ValueError: boom") == 1  # shown once, with the body's frames only
        assert "qmodes" not in out.split("session closed")[0]
        assert out.index("ValueError: boom") < out.index("session closed")
        frames = []
        tb = raised.value.__traceback__
        while tb:
            frames.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        assert frames[-1] == "f"

    def test_later_errors_are_still_shown(self, shell, capsys):
        with pytest.raises(ValueError):
            shell.run_cell("%%session --no-widget\nraise ValueError('first')")
        with pytest.raises(ValueError):
            shell.run_cell("%%session --no-widget\nraise ValueError('second')")
        with pytest.raises(ZeroDivisionError):
            shell.run_cell("1 / 0")
        out = capsys.readouterr().out
        assert [out.count(e) for e in ("ValueError: first", "ValueError: second",
                                       "ZeroDivisionError: division")] == [1, 1, 1]
        assert "showtraceback" not in shell.__dict__

    def test_after_an_error_in_an_async_body(self, shell):
        with pytest.raises(ZeroDivisionError):
            shell.run_cell("%%batch --no-widget\nimport asyncio\nawait asyncio.sleep(0)\n1 / 0")
        assert shell.user_ns["batch"].closed

    def test_keyboard_interrupt_cancels_queued_jobs_then_closes(self, shell, manual, capsys):
        with pytest.raises(KeyboardInterrupt):
            shell.run_cell("%%batch --no-widget\n"
                           "jobs = [sampler.run([bell], shots=10) for _ in range(7)]\n"
                           "raise KeyboardInterrupt")
        batch = shell.user_ns["batch"]
        assert batch.closed
        manual.clock.run_until_idle()
        statuses = [job.status() for job in shell.user_ns["jobs"]]
        assert statuses.count("CANCELLED") >= 2  # 5 lanes: the two still queued
        assert "batch cancelled · 7 jobs" in capsys.readouterr().out

    def test_keyboard_interrupt_in_an_async_body(self, shell):
        with pytest.raises(KeyboardInterrupt):
            shell.run_cell("%%session --no-widget\nimport asyncio\nawait asyncio.sleep(0)\n"
                           "raise KeyboardInterrupt")
        assert shell.user_ns["session"].closed

    def test_a_cancelled_async_body_cancels_like_an_interrupt(self, shell, manual, capsys):
        """ipykernel interrupts an async cell by cancelling its task."""
        with pytest.raises(asyncio.CancelledError):
            shell.run_cell("%%session --no-widget\nimport asyncio\n"
                           "job = sampler.run([bell], shots=10)\n"
                           "job2 = sampler.run([bell], shots=10)\n"
                           "await asyncio.sleep(0)\nraise asyncio.CancelledError")
        assert "session cancelled · 2 jobs" in capsys.readouterr().out
        manual.clock.run_until_idle()
        assert shell.user_ns["job2"].status() == "CANCELLED"

    @pytest.mark.filterwarnings("ignore:To exit")
    def test_sys_exit(self, shell, capsys):
        with pytest.raises(SystemExit):
            shell.run_cell("%%session --no-widget\nimport sys\nsys.exit(3)")
        assert shell.user_ns["session"].closed
        assert "session closed" in capsys.readouterr().out

    def test_syntax_error_in_the_body(self, shell, capsys):
        with pytest.raises(SyntaxError):
            shell.run_cell("%%session --no-widget\nx = (")
        assert shell.user_ns["session"].closed
        out = capsys.readouterr().out
        assert out.count("SyntaxError") == 1
        assert "qmodes" not in out

    def test_an_interrupt_outside_the_body_still_closes(self, shell, magics, monkeypatch):
        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(type(shell), "run_cell_async", interrupted)
        with pytest.raises(KeyboardInterrupt):
            magics.contexts.run_cell(_options(), "x = 1")
        assert shell.user_ns["session"].closed
        assert magics.contexts.cells == []


class TestOutput:
    def test_summary_counts_jobs_by_state_and_labels_usage(self, shell, capsys):
        shell.run_cell("%%batch --no-widget\njobs = [sampler.run([bell], shots=10) "
                       "for _ in range(3)]\n[j.result() for j in jobs];")
        line = capsys.readouterr().out.strip().splitlines()[-1]
        assert line.startswith("batch closed · 3 jobs (3 done) · usage ")
        assert line.endswith(" s measured on Aer")

    def test_summary_shows_money_when_a_price_is_set(self, shell, capsys):
        shell.run_cell("%config QModes.price_per_second = 1.6")
        shell.run_cell("%%batch --no-widget\npass")
        assert "(≈ 0.00 at 1.6/s)" in capsys.readouterr().out

    def test_without_a_widget_front_end_a_text_line_opens_the_cell(self, shell, capsys):
        shell.run_cell("%%session -b fake_manila\nprint('body')")
        lines = capsys.readouterr().out.strip().splitlines()
        session = shell.user_ns["session"]
        assert lines[0] == (f"session open · fake_manila · {session.id} · max time 8h · "
                            "interactive TTL 1m")
        assert lines[1] == "body"

    def test_no_widget_shows_nothing_at_the_top(self, shell, capsys):
        shell.run_cell("%%session --no-widget\nprint('body')")
        assert capsys.readouterr().out.startswith("body")

    def test_with_a_front_end_the_live_widget_is_shown_first(self, shell, monkeypatch, capsys):
        import qmodes.widget
        from qmodes.notebook import output as _output
        shown = []

        class Widget:
            def __init__(self, context, **options):
                self.context = context
                self.options = options

            def show(self):
                shown.append((self.context, self.options))

        monkeypatch.setattr(_output, "has_widget_frontend", lambda shell: True)
        monkeypatch.setattr(qmodes.widget, "TimelineWidget", Widget)
        shell.run_cell("%config QModes.target = 'fake_manila'")
        shell.run_cell("%%batch\nprint('body')")
        assert shown == [(shell.user_ns["batch"], {"target": "fake_manila",
                                                   "price_per_second": None, "advisor": True})]
        assert capsys.readouterr().out.startswith("body")

    def test_a_failing_widget_falls_back_to_the_text_line(self, shell, monkeypatch, capsys):
        import qmodes.widget
        from qmodes.notebook import output as _output
        def broken(context):
            raise RuntimeError("no front-end")

        monkeypatch.setattr(_output, "has_widget_frontend", lambda shell: True)
        monkeypatch.setattr(qmodes.widget, "TimelineWidget", broken)
        shell.run_cell("%%batch\npass")
        assert capsys.readouterr().out.startswith("batch open · aer · ")


def _options():
    from qmodes.notebook.cell import Options

    return Options(mode="session", backend="aer", widget=False)


class TestOptionsNotEmulated:
    def test_the_cell_says_once_which_options_it_did_not_emulate(self, shell, capsys):
        import warnings

        from qmodes import OptionNotEmulatedWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptionNotEmulatedWarning)
            shell.run_cell("%%batch --no-widget\nsampler.options.twirling.enable_gates = True\n"
                           "jobs = [sampler.run([bell], shots=10) for _ in range(3)]\n"
                           "[job.result() for job in jobs]")
        out = capsys.readouterr().out
        assert out.count("not emulated here") == 1
        assert "twirling.enable_gates=True (3 jobs)" in out

    def test_no_note_when_every_option_took_effect(self, shell, capsys):
        shell.run_cell("%%batch --no-widget\nsampler.options.default_shots = 20\n"
                       "job = sampler.run([bell])\njob.result()")
        assert "not emulated" not in capsys.readouterr().out
        assert shell.user_ns["job"].result()[0].data.meas.num_shots == 20
