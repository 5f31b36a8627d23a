"""A rehearsal: run a session or batch meant for IBM locally, on the device's twin, for free.

``qmodes.Session("ibm:<device>", rehearse=True)`` (and ``%%session --backend ibm:<device>
--rehearse``, ``%%batch ... --rehearse``) runs every job on a twin of the device instead of
IBM: a qmodes device backend built from the real device's current target and calibration
(the ``IBMBackend`` adopted as a qmodes backend, simulated with
``AerSimulator.from_backend``), in device time (:mod:`qmodes.local.device_time`), under the
same mode rules. Nothing is submitted to IBM; the account is read only for the device and
the instance's remaining allowance (:mod:`qmodes.accounting.allowance`). ``fake_<device>`` names,
and ``ibm:<device>`` when no account is configured and a ``fake_<device>`` of that name exists,
rehearse offline, without an allowance.

When the context closes, :meth:`Rehearsal.bill` replays the recorded workload in job, batch
and session mode (:mod:`qmodes.advisor`) and sets each mode's projected usage against the
remaining allowance.

Example:
    >>> r = Rehearsal.of("fake_manila")
    >>> r.twin.name, r.device_name, r.service is None
    ('fake_manila', 'fake_manila', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qmodes.backends.names import fake_twin_name, is_fake_name, is_remote_name, remote_device_name
from qmodes.compat.runtime_modes import is_qmodes_backend
from qmodes.core.durations import format_duration

__all__ = ["Bill", "Rehearsal"]


@dataclass(frozen=True)
class Bill:
    """A rehearsal's projected bill: usage per mode, the mode used, the remaining allowance."""

    device: str
    mode: str
    usage: dict[str, float]
    remaining: float | None
    limit: float | None = None

    def fits(self, mode: str | None = None) -> bool:
        """Whether ``mode``'s (default: the rehearsed mode's) usage fits the allowance."""
        seconds = self.usage[mode or self.mode]
        return self.remaining is None or seconds <= self.remaining

    def __str__(self) -> str:
        left = ("no allowance known (offline)" if self.remaining is None else
                f"remaining allowance {format_duration(self.remaining)}" if self.remaining
                else "remaining allowance 0s")
        lines = [f"rehearsal on the twin of {self.device}: nothing was sent to IBM; "
                 f"projected bill ({left}):"]
        for mode, seconds in self.usage.items():
            mark = "→" if mode == self.mode else " "
            share = ("" if not self.remaining else
                     f"  {100 * seconds / self.remaining:5.1f}% of what is left")
            verdict = "" if self.fits(mode) else "  exceeds the allowance"
            lines.append(f" {mark} {mode:<8} {seconds:8.2f}s{share}{verdict}")
        return "\n".join(lines)


@dataclass
class Rehearsal:
    """The twin a rehearsal runs on, and the service its allowance is read from (or None)."""

    twin: Any
    device_name: str
    service: Any = None

    @classmethod
    def of(cls, backend: Any) -> Rehearsal:
        """The twin of ``backend``: ``"ibm:<device>"``, ``"fake_<device>"`` or an ``IBMBackend``.

        Raises:
            ValueError: ``backend`` names no device (e.g. ``"aer"``).
        """
        from qmodes.backends import get_backend

        if not isinstance(backend, str):
            if (is_qmodes_backend(backend) and backend.is_remote) or \
                    type(backend).__name__ == "IBMBackend":
                device = getattr(backend, "device", backend)
                return cls(_adopt_twin(device), str(device.name),
                           getattr(backend, "service", None))
            raise ValueError("rehearse=True needs an IBM device: 'ibm:<device>', an IBMBackend "
                             "or 'fake_<device>'")
        key = backend.strip().lower()
        if is_fake_name(key):
            return cls(get_backend(key), key)
        if not is_remote_name(key):
            raise ValueError(f"rehearse=True needs a device, not {backend!r}: give "
                             f"'ibm:<device>' or 'fake_<device>'")
        name = remote_device_name(key)
        from qmodes.remote import get_remote_backend
        from qmodes.remote.service import RemoteError

        try:
            remote = get_remote_backend(name)
        except RemoteError as error:
            fake = fake_twin_name(name)
            try:
                return cls(get_backend(fake), fake)  # offline: the snapshot of that device
            except ValueError:
                raise RemoteError(f"{error}; and there is no offline twin {fake!r} to "
                                  f"rehearse on") from None
        return cls(_adopt_twin(remote.device), name, remote.service)

    def remaining(self) -> tuple[float | None, float | None]:
        """(remaining, limit) seconds of the instance now; (None, None) offline."""
        if self.service is None:
            return None, None
        from qmodes.accounting.allowance import allowance_of

        try:
            allowance = allowance_of(self.service, refresh=True)
        except Exception:  # IBM unreachable: the bill is still worth showing
            return None, None
        return allowance.remaining, allowance.limit

    def bill(self, context: Any) -> Bill:
        """The projected bill of ``context`` (a closed rehearsal) in the three modes."""
        advice = context.advise(target=None)
        usage = {mode: round(outcome.usage.seconds, 3)
                 for mode, outcome in advice.outcomes.items()}
        usage[context.mode] = round(context.usage(), 3)  # the rehearsed mode: as it ran
        remaining, limit = self.remaining()
        return Bill(self.device_name, context.mode, usage, remaining, limit)


def _adopt_twin(device: Any) -> Any:
    """A qmodes device backend with the real device's target and calibration (which device
    it stands for is :attr:`Rehearsal.device_name`)."""
    from qmodes.backends.types import adopt

    return adopt(device)
