"""User defaults for the qmodes magics, as traitlets: ``%config QModes.<name> = value``.

Each setting is validated when it is set; a bad value raises :class:`traitlets.TraitError`
with a message that says what is valid (IPython's ``%config`` prints it as ``ERROR: ...``).
A bad value is not kept, so it cannot come back to fail the next ``%config`` line.

Example:
    >>> settings = QModes()
    >>> settings.max_time = "2h 30m"
    >>> settings.max_time
    9000.0
    >>> settings.price_per_second = -1
    Traceback (most recent call last):
    ...
    traitlets.traitlets.TraitError: QModes.price_per_second must be a number >= 0 or None, not -1.0

``QModes.pace`` is not only a default: setting it sets the pacing of the local engine
(``qmodes.local.default_runtime().pace``) at once.
"""

from __future__ import annotations

import math
from typing import Any

from traitlets import Bool, Float, TraitError, Unicode, Union, observe, validate
from traitlets.config import Configurable

from qmodes.accounting.budget import parse_budget, set_default_budget
from qmodes.backends.names import (
    available_backends,
    is_fake_name,
    is_remote_name,
    unknown_backend_message,
)
from qmodes.core.durations import format_duration, parse_interactive_ttl, parse_max_time
from qmodes.core.limits import check_pace

__all__ = ["QModes"]


class QModes(Configurable):
    """Defaults used by ``%%session``, ``%%batch``, ``%session`` and ``%batch``.

    Example:
        In a notebook::

            %config QModes.default_backend = 'fake_manila'
            %config QModes.max_time = '30m'
            %config QModes.widget = False
            %config QModes.target = 'fake_manila'   # advisor: project Aer runs to a device
            %config QModes.pace = 0.1               # device time flows 10x faster
            %config QModes.device_load = 0.8        # other users keep fake devices busy
            %config QModes.objective = 'time'       # the advisor picks the fastest mode
    """

    default_backend = Unicode(
        "aer",
        help="Backend used when a magic has no --backend: 'aer', 'aer:<method>', "
        "'fake_<device>' or 'ibm:<device>'.",
    ).tag(config=True)

    max_time = Union(
        [Float(), Unicode()],
        default_value=None,
        allow_none=True,
        help="Maximum TTL of a session or batch in seconds or as '2h 30m'; None keeps the "
        "mode's default (8h).",
    ).tag(config=True)

    interactive_ttl = Union(
        [Float(), Unicode()],
        default_value=None,
        allow_none=True,
        help="Interactive TTL of local sessions and batches in seconds or as '90s'; None "
        "keeps the mode's default.",
    ).tag(config=True)

    widget = Bool(
        True, help="Show the live timeline widget at the top of a %%session/%%batch cell."
    ).tag(config=True)

    price_per_second = Float(
        None,
        allow_none=True,
        help="Price of one second of QPU usage, to show usage as money; None shows seconds "
        "only.",
    ).tag(config=True)

    target = Unicode(
        None,
        allow_none=True,
        help="Device a plain-Aer workload is projected to: 'fake_<device>' or "
        "'ibm:<device>' for the advisor; a 'fake_<device>' also runs later plain-aer contexts "
        "in that device's time. None projects only runs on a device (to that device).",
    ).tag(config=True)

    pace = Float(
        None,
        allow_none=True,
        help="Speed of device time on fake_<device> backends while nothing waits: wall "
        "seconds per device second (None or 1.0: real time, 0.1: ten times faster). Waiting "
        "on a result never sleeps: device time jumps (docs/device-time.md). Applied to "
        "qmodes.local.default_runtime() when set.",
    ).tag(config=True)

    device_load = Float(
        0.0,
        help="Share of each emulated device (fake_<device>) other users keep busy, 0 to 0.95 "
        "(e.g. 0.8): their jobs queue with yours by IBM's rules (docs/device-time.md). "
        "Applied to qmodes.local.default_runtime() when set.",
    ).tag(config=True)

    advisor = Bool(
        True, help="After a %%session/%%batch cell, print what its workload would cost in "
        "each mode on the device (see QModes.target) and best-practice hints."
    ).tag(config=True)

    objective = Unicode(
        "balanced",
        help="What the advisor optimises: 'cost' (the cheapest mode), 'time' (the fastest) or "
        "'balanced' (the fastest unless it bills more than 10 % over the cheapest).",
    ).tag(config=True)

    cluster = Unicode(
        None,
        allow_none=True,
        help="Where Aer runs: None (in the kernel, the default), 'local' (a Dask LocalCluster "
        "of worker processes, one per core; 'local:N' for N), or a Dask scheduler address "
        "such as 'tcp://host:8786' (e.g. from dask-jobqueue on SLURM). Needs qmodes[cluster]. "
        "Connects when set; applied to qmodes.local.default_runtime() (docs/cluster.md).",
    ).tag(config=True)

    budget = Union(
        [Float(), Unicode()],
        default_value=None,
        allow_none=True,
        help="Most a session, batch or job-mode job on IBM may bill, in seconds or as '2m'; "
        "a job that would cross it (or the instance's remaining allowance) is refused before "
        "it is sent. None: no budget (the allowance still applies).",
    ).tag(config=True)

    @validate("default_backend")
    def _check_backend(self, proposal: dict[str, Any]) -> str:
        name = str(proposal["value"]).strip()
        check_backend_name(name)
        return name

    @validate("max_time", "interactive_ttl")
    def _check_duration(self, proposal: dict[str, Any]) -> float | None:
        value = proposal["value"]
        if value is None:
            return None
        name = proposal["trait"].name
        try:
            parse = parse_max_time if name == "max_time" else parse_interactive_ttl
            return parse(value, name=f"QModes.{name}")
        except ValueError as error:
            raise TraitError(str(error)) from None

    @validate("price_per_second")
    def _check_price(self, proposal: dict[str, Any]) -> float | None:
        value = proposal["value"]
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise TraitError(
                f"QModes.price_per_second must be a number >= 0 or None, not {value!r}")
        return value

    @validate("target")
    def _check_target(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is None or not str(value).strip():
            return None
        name = str(value).strip()
        key = name.lower()
        if is_remote_name(key) and len(key) > 4:
            return name
        if not is_fake_name(key):
            raise TraitError(f"QModes.target: {name!r} is not a device: give 'fake_<device>' "
                             f"(e.g. 'fake_manila') or 'ibm:<device>', or None")
        devices = [b for b in available_backends() if is_fake_name(b)]
        if key not in devices:
            raise TraitError(f"QModes.target: unknown device {name!r}; fake devices: "
                             f"{', '.join(devices)}")
        return key

    @validate("pace")
    def _check_pace(self, proposal: dict[str, Any]) -> float | None:
        try:
            return check_pace(proposal["value"], "QModes.pace")
        except ValueError as error:
            raise TraitError(str(error)) from None

    @validate("budget")
    def _check_budget(self, proposal: dict[str, Any]) -> float | None:
        try:
            return parse_budget(proposal["value"])
        except ValueError as error:
            raise TraitError(f"QModes.budget: {error}, or None") from None

    @validate("objective")
    def _check_objective(self, proposal: dict[str, Any]) -> str:
        # heavy: the advisor (its replays) loads when advice is asked for; a layer below
        from qmodes.advisor.verdict import check_objective

        try:
            return check_objective(str(proposal["value"]).strip().lower(), "QModes.objective")
        except ValueError as error:
            raise TraitError(str(error)) from None

    @observe("objective")
    def _apply_objective(self, change: dict[str, Any]) -> None:
        # heavy: the advisor (its replays) loads when advice is asked for; a layer below
        from qmodes.advisor import set_default_objective

        set_default_objective(change["new"])

    @observe("budget")
    def _apply_budget(self, change: dict[str, Any]) -> None:
        set_default_budget(change["new"])

    @observe("target")
    def _apply_target(self, change: dict[str, Any]) -> None:
        """Plain ``aer`` runs in the named fake device's time from the next context on."""
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local import default_runtime

        device_time = default_runtime().device_time
        if device_time is not None:
            new = change["new"]
            device_time.target = new if new and is_fake_name(new) else None

    @observe("pace")
    def _apply_pace(self, change: dict[str, Any]) -> None:
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local import default_runtime

        default_runtime().pace = change["new"]

    @validate("cluster")
    def _check_cluster(self, proposal: dict[str, Any]) -> str | None:
        """Checked and connected here, so a bad address is refused before any job."""
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.compute import check, resolve

        try:
            value = check(proposal["value"])
            resolve(value)
        except (ValueError, ConnectionError, ImportError) as error:
            raise TraitError(f"QModes.cluster: {_first_line(error)}") from None
        return value  # type: ignore[no-any-return]

    @observe("cluster")
    def _apply_cluster(self, change: dict[str, Any]) -> None:
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local import default_runtime

        default_runtime().cluster = change["new"]

    @validate("device_load")
    def _check_device_load(self, proposal: dict[str, Any]) -> float:
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local.load import check_load

        try:
            return check_load(proposal["value"], "QModes.device_load")
        except ValueError as error:
            raise TraitError(str(error)) from None

    @observe("device_load")
    def _apply_device_load(self, change: dict[str, Any]) -> None:
        # start-up time: the engine (and Qiskit) loads on first use; a layer below
        from qmodes.local import default_runtime

        default_runtime().device_load = change["new"]

    @classmethod
    def from_config(cls, config: Any) -> tuple[QModes, list[str]]:
        """Settings from the ``QModes`` section of ``config``, skipping each bad value.

        Returns the settings and one message per value that was skipped, so a typo in
        ``ipython_config.py`` (or an earlier ``%config``) cannot stop ``%load_ext qmodes``.

        Example:
            >>> from traitlets.config import Config
            >>> settings, problems = QModes.from_config(Config(
            ...     {"QModes": {"max_time": "1h", "widget": "maybe"}}))
            >>> settings.max_time, len(problems)
            (3600.0, 1)
        """
        settings = cls()
        problems = []
        for name, value in dict(config.get(cls.__name__, {})).items():
            if not settings.has_trait(name):
                problems.append(f"QModes has no setting {name!r}")
                continue
            try:
                setattr(settings, name, value)
            except TraitError as error:
                problems.append(str(error))
        return settings, problems

    def update_config(self, config: Any) -> None:
        """Merge ``config``; on a bad value keep the previous config and re-raise the error."""
        previous = self.config
        try:
            super().update_config(config)
        except TraitError:
            self.config = previous
            raise

    def describe(self) -> list[str]:
        """One ``name = value`` line per setting, durations in human form.

        Example:
            >>> QModes().describe()[0]
            "default_backend = 'aer'"
        """
        lines = []
        for name in ("default_backend", "max_time", "interactive_ttl", "widget",
                     "price_per_second", "target", "pace", "device_load", "advisor",
                     "objective", "cluster"):
            value = getattr(self, name)
            if name in ("max_time", "interactive_ttl"):
                shown = "mode default" if value is None else format_duration(value)
            else:
                shown = repr(value)
            lines.append(f"{name} = {shown}")
        lines.append("budget = " + ("None" if self.budget is None
                                    else format_duration(self.budget)))
        return lines


def _first_line(error: BaseException) -> str:
    if isinstance(error, ImportError):
        return "a cluster needs dask: pip install 'qmodes[cluster]'"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def check_backend_name(name: str) -> None:
    """Raise TraitError unless ``name`` is a backend name qmodes can resolve.

    Checked against the names alone (no device is built); ``ibm:<device>`` names are only
    checked for form, as resolving them needs the network.
    """
    key = name.lower()
    if is_remote_name(key) and len(key) > 4:
        return
    if key not in available_backends():
        raise TraitError(f"QModes.default_backend: {unknown_backend_message(name)}")
