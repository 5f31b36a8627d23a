"""The unmodified client connects, authenticates and sees the fake devices."""

from __future__ import annotations

import pytest
import requests
from qiskit_ibm_runtime import QiskitRuntimeService

from qmodes.testing import FakeRuntimeServer


def test_lists_the_served_fake_devices_under_their_own_names(service) -> None:
    assert [b.name for b in service.backends()] == ["fake_manila"]


def test_backend_carries_the_fake_snapshot(backend) -> None:
    assert backend.num_qubits == 5
    assert backend.configuration().backend_name == "fake_manila"
    assert backend.properties().backend_name == "fake_manila"
    assert "cx" in backend.target.operation_names
    status = backend.status()
    assert status.operational and status.status_msg == "active" and status.pending_jobs == 0


def test_instance_is_found_through_global_search(service, server: FakeRuntimeServer) -> None:
    assert [i["crn"] for i in service.instances()] == [server.crn]
    assert service.active_instance() == server.crn
    paths = [path for _, path, _ in server.log]
    assert "/global-search/v3/resources/search" in paths


def test_api_calls_carry_an_issued_bearer_token(service, server: FakeRuntimeServer) -> None:
    service.backends()
    assert server.tokens.issued >= 1
    assert any(path == "/iam/identity/token" for _, path, _ in server.log)


def test_bad_api_key_is_refused_by_iam(server: FakeRuntimeServer) -> None:
    with pytest.raises(Exception, match="valid API token"):
        QiskitRuntimeService(
            channel="ibm_quantum_platform", token="wrong-key", instance=server.crn, url=server.url
        )
    assert ("POST", "/iam/identity/token", 400) in server.log


def test_requests_without_a_token_get_401(server: FakeRuntimeServer) -> None:
    answer = requests.get(f"{server.url}/backends", timeout=5)
    assert answer.status_code == 401
    answer = requests.get(
        f"{server.url}/backends", headers={"Authorization": "Bearer forged"}, timeout=5
    )
    assert answer.status_code == 401


def test_revoked_tokens_are_refused_with_401(backend, server: FakeRuntimeServer) -> None:
    from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

    server.tokens.revoke_all()
    with pytest.raises(IBMNotAuthorizedError, match="401"):
        backend.status()


def test_service_helper_and_env_patching() -> None:
    import os

    before = os.environ.get("IAM_URL")
    with FakeRuntimeServer(api_key="k", devices=["fake_manila"]) as server:
        assert os.environ["IAM_URL"] == server.iam_url
        assert server.url.startswith("http://127.0.0.1:")
        assert [b.name for b in server.service().backends()] == ["fake_manila"]
    assert os.environ.get("IAM_URL") == before


def test_instance_usage_is_reported(service) -> None:
    usage = service.usage()
    assert usage["usage_consumed_seconds"] == 0
    assert usage["usage_limit_reached"] is False


def test_token_issuer_accepts_only_the_configured_key(api_key: str) -> None:
    from qmodes.testing.auth import GRANT_TYPE, TokenIssuer

    issuer = TokenIssuer(api_key, ttl=60)
    assert issuer.exchange({"grant_type": [GRANT_TYPE], "apikey": ["nope"]})[0] == 400
    status, body = issuer.exchange({"grant_type": [GRANT_TYPE], "apikey": [api_key]})
    assert status == 200 and issuer.check(f"Bearer {body['access_token']}")
    assert issuer.check(f"apikey {api_key}") and not issuer.check("apikey nope")
