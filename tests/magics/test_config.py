"""Defaults as traitlets: ``%config QModes.<name> = value``, validated."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from qmodes.notebook.config import QModes


class TestThroughTheShell:
    def test_settings_are_registered_with_the_shell(self, shell, magics):
        assert magics.settings in shell.configurables
        assert shell.run_cell("%config QModes.widget").result is True

    def test_defaults_apply_to_the_magics(self, shell, capsys):
        shell.run_cell("%config QModes.default_backend = 'fake_manila'")
        shell.run_cell("%config QModes.max_time = '30m'")
        shell.run_cell("%config QModes.interactive_ttl = 5")
        shell.run_cell("%config QModes.widget = False")
        shell.run_cell("%%session\npass")
        details = shell.user_ns["session"].details()
        assert details["backend_name"] == "fake_manila"
        assert details["max_time"] == 1800.0
        assert details["interactive_timeout"] == 5.0
        assert "session open" not in capsys.readouterr().out  # widget off: no text line

    def test_options_override_the_defaults(self, shell):
        shell.run_cell("%config QModes.max_time = '30m'")
        shell.run_cell("%%batch --no-widget --max-time 60 -b aer\npass")
        assert shell.user_ns["batch"].details()["max_time"] == 60.0

    @pytest.mark.parametrize(("line", "message"), [
        ("QModes.max_time = 'soon'", "invalid QModes.max_time 'soon': give seconds"),
        ("QModes.interactive_ttl = -1", "invalid QModes.interactive_ttl -1"),
        ("QModes.default_backend = 'fake_nowhere'", "unknown backend 'fake_nowhere'"),
        ("QModes.price_per_second = -2.0", "must be a number >= 0 or None"),
        ("QModes.widget = 'yes'", "The 'widget' trait of a QModes instance expected a bool"),
        ("QModes.target = 'aer'", "QModes.target: 'aer' is not a device: give 'fake_<device>'"),
        ("QModes.target = 'fake_nowhere'", "QModes.target: unknown device 'fake_nowhere'"),
        ("QModes.pace = 0", "QModes.pace must be a positive speed factor"),
        ("QModes.pace = -0.5", "QModes.pace must be a positive speed factor"),
        ("QModes.advisor = 'no'", "The 'advisor' trait of a QModes instance expected a bool"),
    ])
    def test_a_bad_value_is_an_error_and_changes_nothing(self, shell, magics, caplog, line,
                                                         message):
        """IPython's %config logs the error (``ERROR: ...``) and the cell goes on."""
        before = magics.settings.trait_values()
        shell.run_cell(f"%config {line}")
        assert [r.levelname for r in caplog.records] == ["ERROR"]
        assert message in caplog.records[0].getMessage()
        assert magics.settings.trait_values() == before
        caplog.clear()
        shell.run_cell("%config QModes.max_time = '1h'")  # the bad value does not come back
        assert magics.settings.max_time == 3600.0
        assert caplog.records == []


    def test_bad_config_values_are_skipped_when_loading(self, shell, magics, capsys):
        shell.run_cell("%config QModes.max_time = 'never'")
        shell.run_cell("%config QModes.interactive_ttl = '2m'")
        shell.run_cell("%reload_ext qmodes")
        settings = shell.magics_manager.registry["QModesMagics"].settings
        assert settings is not magics.settings
        assert (settings.max_time, settings.interactive_ttl) == (None, 120.0)
        assert "ignoring a setting from the config: invalid QModes.max_time 'never'" in (
            capsys.readouterr().err)


class TestPace:
    def test_pace_is_applied_to_the_local_engine_at_once(self, shell):
        from qmodes.local import default_runtime

        shell.run_cell("%config QModes.pace = 0.25")
        assert default_runtime().pace == 0.25
        shell.run_cell("%config QModes.pace = None")
        assert default_runtime().pace is None

    def test_a_bad_pace_leaves_the_engine_as_it_was(self, shell):
        from qmodes.local import default_runtime

        shell.run_cell("%config QModes.pace = 2")
        shell.run_cell("%config QModes.pace = -1")
        assert default_runtime().pace == 2.0

    def test_pace_from_the_config_applies_on_load_and_unloading_resets_it(self, shell):
        from qmodes.local import default_runtime

        shell.run_cell("%config QModes.pace = 0.5")
        shell.run_cell("%reload_ext qmodes")
        assert shell.magics_manager.registry["QModesMagics"].settings.pace == 0.5
        assert default_runtime().pace == 0.5
        shell.run_cell("%unload_ext qmodes")
        try:
            assert default_runtime().pace is None
        finally:
            shell.run_cell("%load_ext qmodes")
            shell.run_cell("%config QModes.pace = None")


class TestTraits:
    def test_durations_are_stored_in_seconds(self):
        settings = QModes(max_time="2h 30m", interactive_ttl="90")
        assert (settings.max_time, settings.interactive_ttl) == (9000.0, 90.0)

    def test_none_keeps_the_mode_default(self):
        settings = QModes(max_time="1h")
        settings.max_time = None
        assert settings.max_time is None

    def test_backend_forms(self):
        for name in ("aer", "aer:statevector", "fake_manila", "ibm:ibm_brisbane"):
            assert QModes(default_backend=name).default_backend == name
        with pytest.raises(TraitError, match="unknown backend 'aer:magic'"):
            QModes(default_backend="aer:magic")

    def test_price(self):
        assert QModes(price_per_second=1.6).price_per_second == 1.6
        with pytest.raises(TraitError):
            QModes(price_per_second=float("nan"))

    def test_target_forms(self):
        assert QModes().target is None
        assert QModes(target="Fake_Manila").target == "fake_manila"
        assert QModes(target="ibm:ibm_brisbane").target == "ibm:ibm_brisbane"
        assert QModes(target=" ").target is None
        with pytest.raises(TraitError, match="'aer:statevector' is not a device"):
            QModes(target="aer:statevector")

    def test_pace_and_advisor_defaults(self):
        settings = QModes()
        assert (settings.pace, settings.advisor) == (None, True)

    def test_describe(self):
        assert QModes(max_time=90).describe() == [
            "default_backend = 'aer'", "max_time = 1m 30s", "interactive_ttl = mode default",
            "widget = True", "price_per_second = None", "target = None", "pace = None",
            "device_load = 0.0", "advisor = True", "objective = 'balanced'", "cluster = None",
            "budget = None"]


def test_the_objective_setting_picks_the_advisor_s_default_and_refuses_a_typo(shell, caplog):
    from qmodes.advisor import advise
    from qmodes.advisor.workload import Workload, WorkloadJob

    jobs = tuple(WorkloadJob(f"j{i}", qpu=5.0, classical=1.0, after=None if i == 0 else i - 1,
                             think=30.0) for i in range(4))
    workload = Workload(jobs, "fake_manila", "test", close_after_submit=None,
                        close_after_done=0.0)
    try:
        shell.run_cell("%config QModes.objective = 'time'")
        assert advise(workload, load=0.8).recommended == "session"  # the fastest
        shell.run_cell("%config QModes.objective = 'speed'")
        assert "QModes.objective must be one of 'balanced', 'cost', 'time'" in caplog.text
        shell.run_cell("%config QModes.objective = 'cost'")
        assert advise(workload, load=0.8).recommended == "batch"  # the cheapest
    finally:
        shell.run_cell("%config QModes.objective = 'balanced'")
