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
    # issue 10: names that would break the shell, unbounded numbers, absurd durations
    "name shadows __builtins__": ("%%session --name __builtins__\npass",
                                  r"--name '__builtins__': it would shadow a Python builtin"),
    "name shadows a builtin": ("%batch --name print", r"--name 'print': it would shadow"),
    "name is get_ipython": ("%%session --name get_ipython\npass",
                            r"--name 'get_ipython': IPython uses it"),
    "name is In": ("%%batch --name In\npass", r"--name 'In': IPython uses it"),
    "name is Out": ("%session --name Out", r"--name 'Out': IPython uses it"),
    "name is exit": ("%%session --name exit\npass", r"--name 'exit': IPython uses it"),
    "name is quit": ("%%session --name quit\npass", r"--name 'quit': IPython uses it"),
    "name is display": ("%%session --name display\npass", r"--name 'display': IPython uses"),
    "name is an output cache": ("%%session --name _3\npass", r"--name '_3': IPython uses it"),
    "name is the estimator": ("%%session --name estimator\npass",
                              r"--name 'estimator': the magic binds it"),
    "name is a keyword": ("%%batch --name lambda\npass", r"not a Python variable name"),
    "history limit past int64": ("%qmodes history --limit 9223372036854775808",
                                 r"--limit must be from 1 to 10000, got 9223372036854775808"),
    "history limit huge": ("%qmodes history --limit " + "9" * 5000,
                           r"%qmodes: argument --limit: invalid int value"),
    "max time of 3000000h": ("%%session --max-time 3000000h\npass",
                             r"--max-time '3000000h' is more than 8h, IBM's maximum TTL"),
    "max time of 1e300h": ("%batch --max-time 1e300h", r"invalid --max-time '1e300h'"),
    "max time quoted and too long": ("%%session --max-time '9h'\npass",
                                     r"--max-time '9h' is more than 8h"),
    "max time nan": ("%%session --max-time nan\npass", r"invalid --max-time 'nan'"),
    "interactive TTL too long": ("%%batch --interactive-ttl 2h\npass",
                                 r"--interactive-ttl '2h' is more than 30m"),
    "trailing backslash": ("%%session --name a\\\npass", r"%%session: cannot parse"),
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


@pytest.mark.parametrize(("line", "seconds"), [
    ("--max-time '2h 30m'", 9000.0), ('--max-time "30m"', 1800.0),
    ("--max-time 2h 30m", 9000.0), ("--max-time '1h' --interactive-ttl \"90s\"", 3600.0),
])
def test_quoted_option_values_are_accepted(shell, manual, line, seconds):
    shell.run_cell(f"%%session --no-widget {line}\npass")
    (record,) = manual.timeline.contexts()
    assert record.max_time == seconds
    assert record.state == "closed"


def test_a_quoted_name_is_accepted(shell, manual):
    shell.run_cell("%%batch --no-widget --name 'my_batch'\nassert my_batch.mode == 'batch'")
    assert shell.user_ns["my_batch"].closed


@pytest.mark.parametrize("config", ["QModes.max_time = '3000000h'", "QModes.max_time = 1e300",
                                    "QModes.interactive_ttl = '2h'", "QModes.pace = 1e300"])
def test_config_refuses_unbounded_values(shell, caplog, config):
    shell.run_cell(f"%config {config}")
    assert any(word in caplog.text for word in ("more than", "up to 100"))  # %config logs it
    settings = shell.magics_manager.registry["QModesMagics"].settings
    assert settings.max_time is None and settings.interactive_ttl is None
    assert settings.pace is None
