"""Playback signing: the UrlSigner port and its one implementation, CloudFront's custom policy.

Both shapes sign the same way. In AWS the distribution's trusted key group checks the
signature; on one machine the local edge (cinema.local.edge.router) checks it with
cinema.local.edge.signatures. One signature covers a whole film: the resource is a wildcard
over the film's HLS prefix, so the master playlist, the variant playlists and every
segment are reachable with the same three values, either as query parameters or as the
three CloudFront cookies.

botocore builds the policy and does CloudFront's base64; `cryptography` does the RSA
(SHA-1, PKCS#1 v1.5: what CloudFront verifies by default).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.signers import CloudFrontSigner as _BotocoreSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

QUERY_NAMES = ("Policy", "Signature", "Key-Pair-Id")
COOKIE_PREFIX = "CloudFront-"


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class SignedAccess(NamedTuple):
    """What a viewer needs to fetch anything under the signed resource until `expires_at`.

    `query` goes on each URL (append_query), `cookies` are the same values under
    CloudFront's cookie names; either form alone is enough.
    """

    query: dict[str, str]
    cookies: dict[str, str]
    expires_at: datetime


class UrlSigner(Protocol):
    def sign(self, resource: str, expires_at: datetime) -> SignedAccess: ...


class CloudFrontSigner:
    """Signs custom policies with the private key of a CloudFront key group's public key."""

    def __init__(self, key_pair_id: str, private_key_pem: bytes) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("CloudFront signs with RSA keys only")
        self.key_pair_id = key_pair_id
        self._key = key
        self._signer = _BotocoreSigner(key_pair_id, self._rsa_sha1)

    def _rsa_sha1(self, message: bytes) -> bytes:
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's algorithm

    def sign(self, resource: str, expires_at: datetime) -> SignedAccess:
        """`resource` is a URL pattern (`*` any characters, `?` one), e.g. `https://cdn/hls/<id>/*`.

        `expires_at` must be timezone-aware: a naive datetime is the classic way to hand out
        links that expire hours early or late. CloudFront counts whole seconds, so the
        returned `expires_at` is truncated to the second the policy says.
        """
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        policy = self._signer.build_policy(resource, expires_at)
        # botocore only exposes its encoding through a signed URL: sign onto an empty URL and
        # read the three parameters back (a resource's own `?` wildcard would confuse parsing).
        signed = self._signer.generate_presigned_url("", policy=policy)
        query = dict(parse_qsl(urlsplit(signed).query, strict_parsing=True))
        if set(query) != set(QUERY_NAMES):  # pragma: no cover - botocore changed its output
            raise RuntimeError(f"unexpected CloudFront parameters: {sorted(query)}")
        return SignedAccess(
            query=query,
            cookies={COOKIE_PREFIX + name: value for name, value in query.items()},
            expires_at=datetime.fromtimestamp(int(expires_at.timestamp()), UTC),
        )


def append_query(url: str, access: SignedAccess) -> str:
    """`url` with the signing parameters added after its own query (fragment kept last)."""
    parts = urlsplit(url)
    signing = urlencode(access.query)  # CloudFront's alphabet (A-Z a-z 0-9 - _ ~) needs no escaping
    query = f"{parts.query}&{signing}" if parts.query else signing
    return urlunsplit(parts._replace(query=query))


def generate_key_pair() -> tuple[bytes, bytes]:
    """A fresh RSA 2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM).

    The public PEM is the format CloudFront's CreatePublicKey accepts; the local shape and the
    tests use the pair as the trusted key group would.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem
