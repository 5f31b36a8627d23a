"""Old module names still import, for one release: each is the new module itself, with a
DeprecationWarning that names the new path (``qmodes._util.aliases``)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

from qmodes._util.aliases import MOVED

PUBLIC_OLD_NAMES = (
    "qmodes.usage", "qmodes.timeline", "qmodes.jobs", "qmodes.projection", "qmodes.options",
    "qmodes.primitives", "qmodes.backend_types", "qmodes.clock", "qmodes.durations",
    "qmodes.errors", "qmodes.waiting", "qmodes.magics", "qmodes.config", "qmodes.workload",
    "qmodes.allowance", "qmodes.budget", "qmodes.rehearsal", "qmodes.ledger_report",
    "qmodes.usage_chart", "qmodes.testing_shell",
)


def test_every_public_old_name_is_mapped():
    assert set(PUBLIC_OLD_NAMES) <= set(MOVED)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_name_is_the_new_module_and_warns(old):
    new = importlib.import_module(MOVED[old])
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=rf"^{old} is now {MOVED[old]}: import it from"):
        module = importlib.import_module(old)
    assert module is new
    assert sys.modules[old] is new
    assert module.__name__ == MOVED[old] and module.__spec__.name == MOVED[old]


def test_from_an_old_name_import_gives_the_same_objects():
    sys.modules.pop("qmodes.jobs", None)
    with pytest.warns(DeprecationWarning, match="qmodes.jobs is now qmodes.core.jobs"):
        from qmodes.jobs import Job
    from qmodes.core.jobs import Job as NewJob
    assert Job is NewJob


def test_the_backends_and_ledger_packages_export_what_their_modules_did():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from qmodes.backends import DEFAULT_BACKEND, LocalBackend, get_backend  # noqa: F401
        from qmodes.ledger import Ledger, default_ledger, unclosed_report  # noqa: F401


def test_the_warning_points_at_the_old_import_in_a_script():
    code = "import qmodes\nimport qmodes.usage\nprint(qmodes.timeline.__name__)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "qmodes.core.timeline"
    assert "<string>:2: DeprecationWarning: qmodes.usage is now qmodes.core.usage" in result.stderr
    assert "<string>:3: DeprecationWarning: qmodes.timeline is now qmodes.core.timeline" \
        in result.stderr
