"""The API key never shows: exceptions, reprs, timeline, logs, widget state, ledger file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import qmodes
import qmodes.remote
from tests.remote.conftest import TOKEN, wait_for


def test_the_token_appears_nowhere_qmodes_writes(server, runtime, bell_isa, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from qmodes.ledger import Ledger
    from qmodes.widget import TimelineWidget

    caplog.set_level(logging.DEBUG)  # every logger, qiskit-ibm-runtime's and urllib3's too
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    detach = ledger.attach(runtime.timeline)
    seen: list[str] = []
    server.faults.add(path=r"/jobs/[0-9a-f]{32}$", method="GET", status=503, times=2)
    with qmodes.Session(backend="ibm:fake_manila", runtime=runtime) as session:
        widget = TimelineWidget(session)
        jobs = [qmodes.Sampler().run([bell_isa], shots=10) for _ in range(2)]
        seen += [repr(session), repr(session.target), repr(session._scheduler),
                 repr(qmodes.remote.ibm_session(session))]
    assert all(job.wait(30) for job in jobs)
    wait_for(lambda: session.record().state == "closed")
    widget.flush()
    seen += [repr(job) for job in jobs] + [repr(job.metrics()) for job in jobs]
    seen += [repr(session.details()), repr(session.record()), str(session.usage_figure())]
    seen += [repr(event) for event in runtime.timeline.events_since(0)]
    seen += [repr(widget.get_state()), widget.static_html()]
    for bad in ("ibm:ibm_nowhere",):
        with pytest.raises(qmodes.QModesError) as raised:
            qmodes.Session(bad, runtime=runtime)
        seen.append(str(raised.value))
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN + "x")
    qmodes.remote.use_service(None)
    with pytest.raises(qmodes.QModesError) as raised:
        qmodes.Session("ibm:fake_manila", runtime=runtime)
    seen.append(str(raised.value))
    seen += [record.getMessage() for record in caplog.records]
    seen.append(caplog.text)
    detach()
    ledger.close()
    files = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert len(caplog.records) > 10  # the run was logged at DEBUG
    assert b"ibm:fake_manila" in files  # the ledger did record the remote session
    assert TOKEN.encode() not in files
    leaks = [text for text in seen if TOKEN in text]
    assert not leaks, leaks[:3]
