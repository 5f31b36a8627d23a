from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def qmodes_home(tmp_path, monkeypatch):
    """Every test gets its own ledger home: never the user's ~/.qmodes."""
    monkeypatch.setenv("QMODES_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
