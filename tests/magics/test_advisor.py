"""After a cell, the advisor's line: what the workload would bill in each mode on a device."""

from __future__ import annotations

import time

import pytest

import qmodes
from qmodes.notebook import output as _output

SETUP = """
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
import qmodes
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
isa = generate_preset_pass_manager(
    optimization_level=1, backend=qmodes.get_backend("fake_manila").device).run(bell)
"""
INDEPENDENT = ("jobs = [sampler.run([{circuit}], shots=100) for _ in range({n})]\n"
               "[j.result() for j in jobs];")


@pytest.fixture(autouse=True)
def _circuits(shell):
    shell.run_cell(SETUP)


def _cell_output(shell, capsys, cell: str) -> list[str]:
    capsys.readouterr()
    shell.run_cell(cell)
    out = capsys.readouterr().out.splitlines()
    summary = next(i for i, line in enumerate(out) if " closed · " in line or
                   " cancelled · " in line)
    return out[summary:]


class TestOnADevice:
    def test_independent_jobs_on_fake_manila_recommend_batch(self, shell, capsys):
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=4))
        assert lines[0].startswith("batch closed · 4 jobs (4 done) · usage ")
        advice = shell.user_ns["batch"].advise()
        assert advice.recommended == "batch"
        assert lines[1] == ("advisor (projected for fake_manila from its calibration snapshot; "
                            "idle device):")
        assert lines[2].split() == ["mode", "billed", "usage", "wall", "time", "waited", "idle",
                                    "billed"]
        assert lines[3:6] == _output.advice_table(advice)[1:]
        assert lines[3].startswith("→ batch ") and lines[5].startswith("  job ")
        assert lines[6] == advice.verdict() and lines[6].startswith(f"→ batch: {advice.reason}")
        assert lines[7].startswith("hint: 4 jobs use under a minute of QPU time each: combine")
        assert "save ~6 s of QPU time" in lines[7]
        assert lines[8].startswith("sources: QPU time projected for fake_manila")
        assert len(lines) == 9

    def test_money_only_with_a_price(self, shell, capsys):
        shell.run_cell("%config QModes.price_per_second = 1.5")
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=2))
        outcome = shell.user_ns["batch"].advise(price_per_second=1.5).outcomes["batch"]
        assert lines[1].endswith("snapshot; money at 1.5/s; idle device):")
        assert lines[2].endswith("at your price")
        assert lines[3].startswith("→ batch ") and lines[3].endswith(f"{outcome.cost:,.2f}")

    def test_a_session_billing_idle_time_is_told_to_use_a_batch(self, shell, manual, capsys):
        """Think time between jobs: the session bills its idle TTL, a batch does not."""
        shell.push({"sim": manual})
        lines = _cell_output(shell, capsys, (
            "%%session --no-widget -b fake_manila\n"
            "first = sampler.run([isa], shots=100); sim.at(10)\n"
            "second = sampler.run([isa], shots=100); sim.at(50)\n"
            "third = sampler.run([isa], shots=100); sim.at(90)"))
        advice = shell.user_ns["session"].advise()
        assert advice.outcomes["session"].usage.seconds > advice.outcomes["batch"].usage.seconds
        assert lines[1] == ("advisor (projected for fake_manila from its calibration snapshot; "
                            "idle device):")
        assert lines[3].startswith("→ batch ") and advice.verdict() in lines
        assert any(line.startswith("hint: session ") and "idle time" in line
                   for line in lines[2:])

    def test_no_advisor_line_without_jobs(self, shell, capsys):
        lines = _cell_output(shell, capsys, "%%session --no-widget -b fake_manila\npass")
        assert lines == [lines[0]]

    def test_the_advisor_can_be_turned_off(self, shell, capsys):
        shell.run_cell("%config QModes.advisor = False")
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=2))
        assert len(lines) == 1

    def test_the_line_form_gets_it_when_closed(self, shell, capsys):
        shell.run_cell("%batch --no-widget -b fake_manila")
        shell.run_cell(INDEPENDENT.format(circuit="isa", n=2))
        lines = _cell_output(shell, capsys, "%batch --close")
        assert lines[1].startswith("advisor (projected for fake_manila")


class TestOnAer:
    def test_plain_aer_has_no_device_to_project_to(self, shell, capsys):
        lines = _cell_output(shell, capsys, "%%batch --no-widget\n"
                             + INDEPENDENT.format(circuit="bell", n=2))
        assert len(lines) == 1

    def test_a_target_projects_aer_runs_with_ibm_s_quick_formula(self, shell, capsys):
        shell.run_cell("%config QModes.target = 'fake_manila'")
        lines = _cell_output(shell, capsys, "%%batch --no-widget\n"
                             + INDEPENDENT.format(circuit="bell", n=2))
        advice = shell.user_ns["batch"].advise(target="fake_manila")
        assert lines[1] == ("advisor (projected for fake_manila by IBM's quick formula; "
                            "idle device):")
        assert lines[3:6] == _output.advice_table(advice)[1:]

    def test_a_device_backend_ignores_the_target(self, shell, capsys):
        shell.run_cell("%config QModes.target = 'fake_kyoto'")
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=2))
        assert lines[1].startswith("advisor (projected for fake_manila from its calibration")


class TestNeverBreaksTheCell:
    def test_a_failing_advisor_is_a_one_line_note(self, shell, capsys, monkeypatch):
        def broken(self, **kwargs):
            raise RuntimeError("replay exploded\nsecond line")

        monkeypatch.setattr(qmodes.Batch, "advise", broken)
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=2))
        assert lines[1:] == ["advisor: not available (RuntimeError: replay exploded)"]

    def test_the_body_s_error_still_fails_the_cell(self, shell, capsys, monkeypatch):
        def broken(self, **kwargs):
            raise RuntimeError("replay exploded")

        monkeypatch.setattr(qmodes.Batch, "advise", broken)
        with pytest.raises(ZeroDivisionError):
            shell.run_cell("%%batch --no-widget -b fake_manila\n"
                           "sampler.run([isa], shots=10).result()\n1 / 0")
        assert "advisor: not available" in capsys.readouterr().out

    def test_an_interrupted_cell_is_not_replayed(self, shell, capsys):
        with pytest.raises(KeyboardInterrupt):
            shell.run_cell("%%batch --no-widget -b fake_manila\n"
                           "sampler.run([isa], shots=10).result()\nraise KeyboardInterrupt")
        assert "advisor" not in capsys.readouterr().out


class TestCost:
    def test_two_hundred_jobs_are_replayed_quickly(self, shell, manual):
        """The replay works from the jobs' records (submission times, projected QPU time);
        the jobs are left queued on the manual clock, so no time goes into simulating them."""
        with qmodes.Batch("fake_manila", runtime=manual.runtime) as batch:
            isa = shell.user_ns["isa"]
            for _ in range(200):
                qmodes.Sampler().run([isa], shots=100)
        _output.advisor_lines(batch)  # warm
        start = time.perf_counter()
        lines = _output.advisor_lines(batch)
        assert time.perf_counter() - start < 1.0  # ~0.1 s here; generous for slow CI
        assert any(line.startswith("→ batch: the cheapest and the fastest") for line in lines)

    def test_beyond_the_cap_it_says_so_instead(self, shell, capsys, monkeypatch):
        monkeypatch.setattr(_output, "ADVISOR_MAX_JOBS", 1)
        lines = _cell_output(shell, capsys, "%%batch --no-widget -b fake_manila\n"
                             + INDEPENDENT.format(circuit="isa", n=2))
        assert lines[1] == ("advisor: skipped for 2 jobs (more than 1 take long to replay); "
                            "call .advise() on the context")
