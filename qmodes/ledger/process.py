"""Which process wrote a row, and whether that process still runs.

A process is named by its pid **and** its start time, so that a pid the system gave to a new
process after the old one died does not pass for the old one. The start time comes from
``/proc/<pid>/stat`` (Linux: clock ticks since boot, prefixed with the boot id), else from
``psutil`` if it is installed, else from ``ps -o lstart=`` (macOS, BSD). Where none of them
can tell, :func:`is_alive` answers None ("cannot tell") and callers must then assume alive.

Example:
    >>> me = current_process()
    >>> is_alive(me.pid, me.start, me.host)
    True
    >>> is_alive(me.pid, "linux:no-such-boot:1", me.host)  # same pid, another start: not me
    False
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = ["ProcessId", "current_process", "is_alive", "start_token"]


@dataclass(frozen=True)
class ProcessId:
    """A process: ``pid``, an opaque ``start`` token (None if unknown) and the ``host``."""

    pid: int
    start: str | None
    host: str


@functools.lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as file:
            return file.read().strip()
    except OSError:
        return "unknown-boot"


def _linux_start(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""  # no such process
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = stat[stat.rfind(")") + 2:].split()
    if fields and fields[0] in ("Z", "X"):
        return ""  # a zombie (killed, not yet reaped by its parent) runs no more
    return f"linux:{_boot_id()}:{fields[19]}" if len(fields) > 19 else None


def _psutil_start(pid: int) -> str | None:
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return f"psutil:{psutil.Process(pid).create_time():.3f}"
    except psutil.NoSuchProcess:
        return ""
    except Exception:  # access denied, zombie...: cannot tell
        return None


def _ps_start(pid: int) -> str | None:
    if sys.platform == "win32":
        return None
    try:
        out = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    if out.returncode != 0 and not text:
        return ""  # ps says: no such process
    return f"ps:{text}" if text else None


def start_token(pid: int) -> str | None:
    """The start token of process ``pid``; ``""`` if there is no such process, None if the
    platform cannot tell."""
    if os.path.isdir("/proc/self") and os.path.exists("/proc/self/stat"):
        return _linux_start(pid)
    token = _psutil_start(pid)
    return token if token is not None else _ps_start(pid)


@functools.lru_cache(maxsize=1)
def _current(pid: int) -> ProcessId:
    return ProcessId(pid, start_token(pid) or None, socket.gethostname())


def current_process() -> ProcessId:
    """This process (computed once per pid, so a forked child gets its own)."""
    return _current(os.getpid())


def is_alive(pid: int | None, start: str | None, host: str | None,
             updated: float | None = None) -> bool | None:
    """Whether the process that wrote a row still runs: True, False, or None (cannot tell).

    Args:
        pid: the row's pid.
        start: the row's start token (None for rows written before tokens existed).
        host: the row's host name (None: assume this host).
        updated: when the row was last written (epoch seconds); with no ``start`` token, a
            process that started after this time cannot be the writer.
    """
    if pid is None:
        return None
    me = current_process()
    if host is not None and host != me.host:
        return None  # another machine's process: cannot tell from here
    token = start_token(pid)
    if token is None:
        return None
    if token == "":
        return False
    if start is not None:
        return token == start
    if updated is not None:
        started = _start_epoch(pid)
        if started is not None:
            return started <= updated + 1.0
    return True


def _start_epoch(pid: int) -> float | None:
    """When process ``pid`` started, as epoch seconds (Linux or psutil), else None."""
    try:
        # optional dependency: /proc is read without it
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:  # psutil not installed, or no such process
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read().decode(errors="replace")
        ticks = int(stat[stat.rfind(")") + 2:].split()[19])
        with open("/proc/uptime") as file:
            uptime = float(file.read().split()[0])
        boot = time.time() - uptime
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
