"""Property-based fuzz of the magic lines: a bad line is a UsageError and opens nothing.

Lines are drawn from each option with values known good or bad (so the property knows which
lines must fail), and from free text (which must never end in anything but a UsageError or a
clean run). Contexts run on a manual clock: no job, no timing. ``CI=true`` runs 500 examples
a property (tests/conftest.py).
"""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st
from IPython.core.error import UsageError

from tests.conftest import Sim

GOOD, BAD = True, False
VALUES = {
    "--backend": [("aer", GOOD), ("fake_manila", GOOD), ("AER", GOOD), ("fake_atlantis", BAD),
                  ("aer:quantum", BAD), ("ibm", BAD), ("nowhere:x", BAD)],
    "--max-time": [("30m", GOOD), ("2h 30m", GOOD), ("90s", GOOD), ("8h", GOOD), ("60", GOOD),
                   ("0", BAD), ("-5", BAD), ("3000000h", BAD), ("1e300h", BAD), ("nan", BAD),
                   ("inf", BAD), ("2 hours", BAD), ("9h", BAD), ("8h 1s", BAD)],
    "--interactive-ttl": [("1s", GOOD), ("90s", GOOD), ("5m", GOOD), ("0.5", GOOD),
                          ("0", BAD), ("2h", BAD), ("31m", BAD), ("1e300", BAD), ("x", BAD)],
    "--name": [("s1", GOOD), ("my_context", GOOD), ("qc_run", GOOD), ("__builtins__", BAD),
               ("get_ipython", BAD), ("In", BAD), ("Out", BAD), ("exit", BAD), ("quit", BAD),
               ("display", BAD), ("print", BAD), ("sampler", BAD), ("estimator", BAD),
               ("2x", BAD), ("_", BAD), ("_i2", BAD), ("a-b", BAD), ("class", BAD),
               ("__name__", BAD), ("len", BAD)],
}
FLAGS = ["--no-widget"]
GARBAGE = ["--fast", "extra", "-x", "--close=1", "--limit"]


def _quote(value: str, style: int) -> str:
    if style == 0 and " " not in value:
        return value
    if style == 1:
        return shlex.quote(value) if shlex.quote(value) != value else f"'{value}'"
    return '"' + value + '"'


@st.composite
def option_lines(draw):
    """``(line, good)``: each option at most once, values quoted in several styles."""
    chosen = draw(st.lists(st.sampled_from(sorted(VALUES)), unique=True, max_size=4))
    parts: list[tuple[str, bool]] = []
    for option in chosen:
        value, good = draw(st.sampled_from(VALUES[option]))
        style = draw(st.integers(0, 2))
        parts.append((f"{option} {_quote(value, style)}", good))
    parts += [(flag, GOOD) for flag in draw(st.lists(st.sampled_from(FLAGS), unique=True))]
    parts += [(junk, BAD) for junk in draw(st.lists(st.sampled_from(GARBAGE), max_size=1))]
    parts = draw(st.permutations(parts))
    return " ".join(p for p, _ in parts), all(good for _, good in parts)


def _open(sim: Sim) -> list[str]:
    return [c.id for c in sim.timeline.contexts() if c.accepting_jobs]


def _run(shell, code: str) -> UsageError | None:
    """Run the cell: None, or the UsageError it raised (anything else fails the test)."""
    try:
        shell.run_cell(code)
    except UsageError as error:
        assert "\n" not in str(error) and str(error).startswith("%")
        return error
    return None


@given(form=st.sampled_from(["%%session", "%%batch"]), drawn=option_lines())
def test_cell_lines(shell, manual, capsys, form, drawn):
    line, good = drawn
    before = len(manual.timeline.contexts())
    error = _run(shell, f"{form} {line}\npass")
    capsys.readouterr()
    assert (error is None) == good, (line, error)
    assert _open(manual) == []
    assert len(manual.timeline.contexts()) == before + (1 if good else 0)


@given(form=st.sampled_from(["%session", "%batch"]), drawn=option_lines())
def test_line_forms(shell, manual, magics, capsys, form, drawn):
    line, good = drawn
    before = len(manual.timeline.contexts())
    error = _run(shell, f"{form} {line}")
    capsys.readouterr()
    assert (error is None) == good, (line, error)
    if good:
        assert len(_open(manual)) == 1 and magics.contexts.line is not None
        _run(shell, f"{form} --close")
        capsys.readouterr()
    assert _open(manual) == []
    assert len(manual.timeline.contexts()) == before + (1 if good else 0)


@given(form=st.sampled_from(["%%session", "%%batch", "%session", "%batch", "%qmodes"]),
       text=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                    max_size=40))
def test_free_text_is_a_usage_error_or_a_clean_run(shell, manual, magics, capsys, form, text):
    code = f"{form} {text}\npass" if form.startswith("%%") else f"{form} {text}"
    _run(shell, code)
    capsys.readouterr()
    _run(shell, "%session --close")
    _run(shell, "%batch --close")
    capsys.readouterr()
    assert _open(manual) == []


@given(limit=st.one_of(st.integers(), st.sampled_from(["1e3", "-0", "0x10", "nan", "''"])))
def test_history_limit_is_bounded(shell, capsys, limit):
    error = _run(shell, f"%qmodes history --limit {limit}")
    capsys.readouterr()
    good = isinstance(limit, int) and 1 <= limit <= 10_000
    assert (error is None) == good, (limit, error)
