"""API keys and bearer tokens, the way IBM Cloud IAM hands them out.

The client (``ibm_cloud_sdk_core.IAMTokenManager``) posts the API key as a form to
``<IAM_URL>/identity/token`` and reads ``access_token`` from the JSON answer. It decodes that
token as a JWT *without* checking the signature, only to read ``iat`` and ``exp`` (it refreshes
at 80 % of the lifetime). So the tokens issued here are unsigned JWTs with those two claims.

Example:
    >>> issuer = TokenIssuer(api_key="secret", ttl=60)
    >>> status, body = issuer.exchange({"grant_type": [GRANT_TYPE], "apikey": ["secret"]})
    >>> status, issuer.check(f"Bearer {body['access_token']}")
    (200, True)
    >>> issuer.exchange({"grant_type": [GRANT_TYPE], "apikey": ["wrong"]})[0]
    400
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from typing import Any

__all__ = ["GRANT_TYPE", "TokenIssuer"]

GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenIssuer:
    """Exchanges one configured API key for short-lived bearer tokens and checks them.

    Args:
        api_key: The only API key accepted.
        ttl: Lifetime of an issued token, in seconds.
    """

    def __init__(self, api_key: str, ttl: float = 3600.0) -> None:
        self.api_key = api_key
        self.ttl = ttl
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0
        """How many tokens were issued so far (tests use it to see refreshes)."""

    def exchange(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """Answer an IAM ``/identity/token`` request given its parsed form fields.

        Returns:
            The HTTP status and the JSON body, shaped like IBM Cloud IAM's (errors included:
            400 with ``errorCode`` ``BXNIM0415E`` for an unknown key).
        """
        grant = (form.get("grant_type") or [""])[0]
        key = (form.get("apikey") or [""])[0]
        if grant != GRANT_TYPE:
            return 400, _iam_error("BXNIM0103E", "Grant type not supported.")
        if not key:
            return 400, _iam_error("BXNIM0234E", "Property missing or empty: apikey.")
        if not secrets.compare_digest(key, self.api_key):
            return 400, _iam_error("BXNIM0415E", "Provided API key could not be found.")
        now = int(time.time())
        exp = now + max(int(self.ttl), 1)
        header = _b64({"alg": "RS256", "typ": "JWT", "kid": "qmodes-testing"})
        claims = _b64(
            {"iat": now, "exp": exp, "sub": "qmodes-testing", "jti": secrets.token_hex(8)}
        )
        token = f"{header}.{claims}.{_b64({'unsigned': True})}"
        with self._lock:
            self._tokens[token] = float(exp)
            self.issued += 1
        body = {
            "access_token": token,
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": exp - now,
            "expiration": exp,
            "scope": "ibm openid",
        }
        return 200, body

    def check(self, authorization: str | None) -> bool:
        """Tell whether an ``Authorization`` header carries a live token (or the API key).

        The runtime client falls back to ``Authorization: apikey <key>`` when it cannot reach
        IAM; that is accepted for the configured key.
        """
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "apikey":
            return secrets.compare_digest(value, self.api_key)
        if scheme.lower() != "bearer":
            return False
        with self._lock:
            exp = self._tokens.get(value)
        return exp is not None and exp > time.time()

    def revoke_all(self) -> None:
        """Forget every token issued so far (the next requests get 401 until a refresh)."""
        with self._lock:
            self._tokens.clear()


def _iam_error(code: str, message: str) -> dict[str, Any]:
    return {
        "errorCode": code,
        "errorMessage": message,
        "context": {"requestId": secrets.token_hex(8)},
    }
