"""Bad magic lines raise UsageError: one line, what is wrong and what is valid."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

CASES = {
    "unknown option": ("%%session --fast\npass",
                       r"%%session: unrecognized arguments: --fast; valid options: --backend"),
    "option missing its value": ("%%batch --backend\npass",
                                 r"%%batch: argument -b/--backend: expected one argument"),
    "bad duration": ("%%session --max-time 2 hours\npass",
                     r"%%session: invalid --max-time '2 hours': give seconds"),
    "bad interactive TTL": ("%batch --interactive-ttl 0",
                            r"%batch: invalid --interactive-ttl '0'"),
    "unknown backend": ("%%session -b fake_atlantis\npass",
                        r"%%session: unknown backend 'fake_atlantis': use 'aer'.*fake_manila"),
    "unknown aer method": ("%%batch -b aer:quantum\npass",
                           r"unknown Aer method 'quantum': use one of aer:automatic"),
    "nested cell magics": ("%%batch --no-widget\n%%session\npass",
                           r"%%session cannot open inside the running %%batch cell"),
    "line form inside a cell": ("%%batch --no-widget\n%session",
                                r"%session cannot open inside the running %%batch cell"),
    "close in the cell form": ("%%session --close\npass",
                               r"--close is for the line form, %session --close"),
    "close with options": ("%session --close -b aer", r"%session --close takes no other option"),
    "bad variable name": ("%%session --name 2x\npass",
                          r"--name '2x': not a Python variable name; give a Python variable"),
    "reserved variable name": ("%%batch --name sampler\npass", r"other than sampler or"),
    "unbalanced quotes": ("%%session --max-time '30m\npass", r"%%session: cannot parse"),
    "qmodes unknown option": ("%qmodes --all",
                              r"%qmodes: unrecognized arguments: --all; valid: %qmodes, "
                              r"%qmodes usage \[--since 7d\] \[--backend NAME\], "
                              r"%qmodes history \[--limit N\]"),
    "qmodes unknown command": ("%qmodes costs", r"%qmodes: argument .*invalid choice: 'costs'"),
    "qmodes usage bad since": ("%qmodes usage --since lately",
                               r"%qmodes usage: --since: invalid since 'lately': give e.g. '7d'"),
    "qmodes usage since missing": ("%qmodes usage --since",
                                   r"%qmodes: argument --since: expected at least one"),
    "qmodes usage unknown option": ("%qmodes usage --limit 3",
                                    r"%qmodes: unrecognized arguments: --limit 3"),
    "qmodes history limit not a number": ("%qmodes history --limit many",
                                          r"%qmodes: argument --limit: invalid int value"),
    "qmodes history limit below one": ("%qmodes history --limit 0",
                                       r"%qmodes history: --limit must be from 1 to 10000, got 0"),
    "qmodes unbalanced quotes": ("%qmodes usage --since '7d", r"%qmodes: cannot parse"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_line_is_a_one_line_usage_error(shell, manual, capsys, case):
    cell, message = CASES[case]
    with pytest.raises(UsageError, match=message) as raised:
        shell.run_cell(cell)
    assert "\n" not in str(raised.value)
    out = "".join(capsys.readouterr())
    assert "Traceback" not in out
    assert out.count("UsageError") == 1
    # nothing is left open: only the outer cell of the nested cases opened a context
    assert all(not c.accepting_jobs for c in manual.timeline.contexts())
    assert len(manual.timeline.contexts()) == (1 if cell.startswith("%%batch --no-") else 0)


def test_help_shows_the_options(shell, capsys):
    shell.run_cell("%%session?")
    out = capsys.readouterr().out
    for option in ("--backend", "--max-time", "--interactive-ttl", "--name", "--no-widget"):
        assert option in out


def test_qmodes_help_shows_the_commands(shell, capsys):
    shell.run_cell("%qmodes?")
    out = capsys.readouterr().out
    for word in ("usage", "history", "QMODES_HOME"):
        assert word in out
