"""The check CloudFront makes on a signed request, so the local edge refuses exactly what AWS would.

The credentials come from the query (`Policy` or `Expires`, `Signature`, `Key-Pair-Id`) or,
when the query carries none of them, from the `CloudFront-*` cookies. A request passes when:

- the key pair id names a known public key;
- the signature (RSA PKCS#1 v1.5, SHA-1 unless `Hash-Algorithm=SHA256`) is valid over the
  exact policy bytes: the decoded `Policy`, or for a canned policy (`Expires`) the policy
  CloudFront rebuilds from the requested URL;
- the policy is one statement with a `Resource` and a `Condition` holding `DateLessThan`
  and optionally `DateGreaterThan` and `IpAddress`; anything else is refused;
- now < DateLessThan, now >= DateGreaterThan; the client address (when the policy has an
  IpAddress condition, it must be given: without it the request is refused) lies in the range;
- the Resource pattern matches the requested URL, with `*` for any characters (`/` too)
  and `?` for exactly one. The URL is matched without the signing parameters; its other
  query parameters stay, as in CloudFront (a trailing `*` covers them).

`check` raises SignatureRejected with a short reason (the edge answers 403 with it);
`verify` is the same as a bool.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from botocore.signers import CloudFrontSigner as _BotocoreSigner
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNING_PARAMS = ("Policy", "Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm")
COOKIE_PREFIX = "CloudFront-"
_ALPHABET = re.compile(r"[A-Za-z0-9\-_~]+")
_FROM_CLOUDFRONT = str.maketrans("-_~", "+=/")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}
_CONDITIONS = {"DateLessThan", "DateGreaterThan", "IpAddress"}


class SignatureRejected(Exception):
    """The request does not carry a valid CloudFront signature for its URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify(
    url: str,
    *,
    query: Mapping[str, str],
    cookies: Mapping[str, str],
    public_keys: Mapping[str, bytes | rsa.RSAPublicKey],
    now: datetime | None = None,
    client_ip: str | None = None,
) -> bool:
    try:
        check(url, query=query, cookies=cookies, public_keys=public_keys, now=now, client_ip=client_ip)
    except SignatureRejected:
        return False
    return True


def check(
    url: str,
    *,
    query: Mapping[str, str],
    cookies: Mapping[str, str],
    public_keys: Mapping[str, bytes | rsa.RSAPublicKey],
    now: datetime | None = None,
    client_ip: str | None = None,
) -> None:
    """Raises SignatureRejected unless the credentials allow `url` at `now` (default: the clock).

    `url` is the URL as the viewer addressed it; signing parameters in its own query string
    are ignored, the credentials are read from `query` and `cookies` only.
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    credentials = _credentials(query, cookies)
    key_id = _required(credentials, "Key-Pair-Id")
    signature = _decode(_required(credentials, "Signature"), "Signature")
    resource_url = _without_signing_params(url)
    if "Policy" in credentials and "Expires" in credentials:
        raise SignatureRejected("both Policy and Expires given")
    if "Policy" in credentials:
        policy = _decode(credentials["Policy"], "Policy")
    elif "Expires" in credentials:
        policy = _canned_policy(resource_url, credentials["Expires"])
    else:
        raise SignatureRejected("missing Policy")
    key = public_keys.get(key_id)
    if key is None:
        raise SignatureRejected("unknown Key-Pair-Id")
    algorithm = _HASHES.get(credentials.get("Hash-Algorithm", "SHA1"))
    if algorithm is None:
        raise SignatureRejected("unsupported Hash-Algorithm")
    try:
        _public_key(key).verify(signature, policy, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise SignatureRejected("bad signature") from None
    resource, condition = _statement(policy)
    _check_condition(condition, now, client_ip)
    if not _pattern(resource).fullmatch(resource_url):
        raise SignatureRejected("URL not covered by the policy")


def _credentials(query: Mapping[str, str], cookies: Mapping[str, str]) -> dict[str, str]:
    """The query form wins whenever it is present at all: forms are never mixed."""
    if any(name in query for name in SIGNING_PARAMS):
        return {name: query[name] for name in SIGNING_PARAMS if name in query}
    return {name: cookies[COOKIE_PREFIX + name] for name in SIGNING_PARAMS if COOKIE_PREFIX + name in cookies}


def _required(credentials: Mapping[str, str], name: str) -> str:
    value = credentials.get(name)
    if not value:
        raise SignatureRejected(f"missing {name}")
    return value


def _decode(value: str, name: str) -> bytes:
    """CloudFront's base64: `+=/` written as `-_~`; anything outside that alphabet is refused."""
    if not _ALPHABET.fullmatch(value):
        raise SignatureRejected(f"{name} is not CloudFront base64")
    try:
        return base64.b64decode(value.translate(_FROM_CLOUDFRONT), validate=True)
    except binascii.Error:
        raise SignatureRejected(f"{name} is not CloudFront base64") from None


def _without_signing_params(url: str) -> str:
    parts = urlsplit(url)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] not in SIGNING_PARAMS]
    return urlunsplit(parts._replace(query="&".join(kept), fragment=""))


def _canned_policy(resource_url: str, expires: str) -> bytes:
    """The policy CloudFront rebuilds for a canned signature: built by botocore, as signed."""
    # ASCII digits, and few enough for a date (int() reads "²" and refuses 5,000 digits)
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 11:
        raise SignatureRejected("Expires is not an epoch time")
    moment = datetime.fromtimestamp(int(expires), UTC)
    builder = _BotocoreSigner("", rsa_signer=None)  # building needs no key
    return builder.build_policy(resource_url, moment).encode()


@lru_cache(maxsize=64)
def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """A key group's public key from its PEM (cached: the edge checks every segment request)."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("CloudFront public keys are RSA keys")
    return key


def _public_key(key: bytes | rsa.RSAPublicKey) -> rsa.RSAPublicKey:
    return load_public_key(key) if isinstance(key, bytes) else key


def _statement(policy: bytes) -> tuple[str, dict[str, Any]]:
    try:
        document = json.loads(policy)
    except ValueError:
        raise SignatureRejected("policy is not JSON") from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list) or len(statements) != 1 or not isinstance(statements[0], dict):
        raise SignatureRejected("policy must have exactly one statement")
    statement = statements[0]
    resource, condition = statement.get("Resource"), statement.get("Condition")
    if set(statement) != {"Resource", "Condition"} or not isinstance(resource, str):
        raise SignatureRejected("statement must have a Resource and a Condition only")
    if not isinstance(condition, dict) or not set(condition) <= _CONDITIONS:
        raise SignatureRejected("unsupported policy condition")
    return resource, condition


def _epoch(condition: Mapping[str, Any], name: str) -> int | None:
    if name not in condition:
        return None
    value = condition[name]
    moment = value.get("AWS:EpochTime") if isinstance(value, dict) else None
    if not isinstance(moment, int) or isinstance(moment, bool):
        raise SignatureRejected(f"{name} needs an integer AWS:EpochTime")
    return moment


def _check_condition(condition: Mapping[str, Any], now: datetime, client_ip: str | None) -> None:
    less_than = _epoch(condition, "DateLessThan")
    if less_than is None:
        raise SignatureRejected("policy has no DateLessThan")
    moment = now.timestamp()
    if moment >= less_than:
        raise SignatureRejected("signature expired")
    greater_than = _epoch(condition, "DateGreaterThan")
    if greater_than is not None and moment < greater_than:
        raise SignatureRejected("signature not valid yet")
    if "IpAddress" in condition:
        _check_ip(condition["IpAddress"], client_ip)


def _check_ip(value: Any, client_ip: str | None) -> None:
    source = value.get("AWS:SourceIp") if isinstance(value, dict) else None
    if not isinstance(source, str):
        raise SignatureRejected("IpAddress needs an AWS:SourceIp")
    if client_ip is None:
        raise SignatureRejected("policy is bound to an address the edge does not know")
    try:
        allowed = ipaddress.ip_address(client_ip) in ipaddress.ip_network(source, strict=False)
    except ValueError:
        raise SignatureRejected("bad IpAddress condition") from None
    if not allowed:
        raise SignatureRejected("client address not allowed by the policy")


@lru_cache(maxsize=256)
def _pattern(resource: str) -> re.Pattern[str]:
    """CloudFront's wildcards: `*` any run of characters (including `/`), `?` exactly one."""
    collapsed = re.sub(r"\*+", "*", resource)  # `**` is `*`; fewer `.*` backtrack less
    translated = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in collapsed
    )
    return re.compile(translated, re.DOTALL)
