"""CloudFront signing (cinema.media.signing) against the edge's check of it (cinema.local.edge.signatures).

Policies are signed with real RSA keys; the rules are those CloudFront applies, so a signature
that the local edge accepts is one the real distribution accepts too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.signers import CloudFrontSigner as BotocoreSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cinema.local.edge.signatures import SignatureRejected, check, verify
from cinema.media.signing import CloudFrontSigner, SignedAccess, append_query, generate_key_pair

FILM = "6f1d2c3b-4a59-4e8d-9c0b-1a2b3c4d5e6f"
OTHER_FILM = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
BASE = "https://media.example.net"
RESOURCE = f"{BASE}/hls/{FILM}/*"
MASTER = f"{BASE}/hls/{FILM}/master.m3u8"
SEGMENT = f"{BASE}/hls/{FILM}/720p/segment_00001.ts"
KEY_ID = "K2JCJMDEHXQW5F"
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=2)


@pytest.fixture(scope="module")
def key_pair() -> tuple[bytes, bytes]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def other_key_pair() -> tuple[bytes, bytes]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def signer(key_pair: tuple[bytes, bytes]) -> CloudFrontSigner:
    return CloudFrontSigner(KEY_ID, key_pair[0])


@pytest.fixture(scope="module")
def keys(key_pair: tuple[bytes, bytes]) -> dict[str, bytes]:
    return {KEY_ID: key_pair[1]}


@pytest.fixture(scope="module")
def access(signer: CloudFrontSigner) -> SignedAccess:
    return signer.sign(RESOURCE, EXPIRES)


def cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.translate(str.maketrans("-_~", "+=/")))


def cloudfront_b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


def rsa_signer(private_pem: bytes, algorithm: hashes.HashAlgorithm | None = None) -> Callable[[bytes], bytes]:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return lambda message: key.sign(message, padding.PKCS1v15(), algorithm or hashes.SHA1())  # noqa: S303


def sign_custom(policy: str, private_pem: bytes, key_id: str = KEY_ID) -> dict[str, str]:
    """Any policy text signed as CloudFront expects (for conditions our signer never writes)."""
    signed = BotocoreSigner(key_id, rsa_signer(private_pem)).generate_presigned_url(BASE, policy=policy)
    return dict(parse_qsl(urlsplit(signed).query))


def statement(resource: str = RESOURCE, **condition: object) -> str:
    condition.setdefault("DateLessThan", {"AWS:EpochTime": int(EXPIRES.timestamp())})
    return json.dumps({"Statement": [{"Resource": resource, "Condition": condition}]}, separators=(",", ":"))


def reason(url: str, query: dict[str, str], keys: dict[str, bytes], **kwargs: object) -> str:
    with pytest.raises(SignatureRejected) as rejected:
        check(url, query=query, cookies={}, public_keys=keys, now=kwargs.pop("now", NOW), **kwargs)  # type: ignore[arg-type]
    return rejected.value.reason


# --- the signer's output ---------------------------------------------------------------------


def test_policy_is_exactly_cloudfronts_custom_policy(access: SignedAccess) -> None:
    epoch = int(EXPIRES.timestamp())
    policy = cloudfront_b64decode(access.query["Policy"]).decode()
    assert policy == (
        f'{{"Statement":[{{"Resource":"{RESOURCE}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{epoch}}}}}}}]}}'
    )
    assert " " not in policy
    assert set(access.query) == {"Policy", "Signature", "Key-Pair-Id"}
    assert access.query["Key-Pair-Id"] == KEY_ID
    assert access.cookies == {
        "CloudFront-Policy": access.query["Policy"],
        "CloudFront-Signature": access.query["Signature"],
        "CloudFront-Key-Pair-Id": KEY_ID,
    }
    assert access.expires_at == EXPIRES
    for value in (access.query["Policy"], access.query["Signature"]):
        assert not set(value) & set("+=/"), "CloudFront's base64 writes +=/ as -_~"


def test_signature_is_rsa_sha1_pkcs1v15_over_the_policy_bytes(
    access: SignedAccess, key_pair: tuple[bytes, bytes]
) -> None:
    policy = cloudfront_b64decode(access.query["Policy"])
    signature = cloudfront_b64decode(access.query["Signature"])
    public_key = serialization.load_pem_public_key(key_pair[1])
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - raises if wrong
    assert len(signature) == 256  # RSA 2048
    assert cloudfront_b64encode(policy) == access.query["Policy"]


def test_expiry_is_truncated_to_the_second_and_must_be_aware(signer: CloudFrontSigner) -> None:
    access = signer.sign(RESOURCE, EXPIRES + timedelta(milliseconds=900))
    assert access.expires_at == EXPIRES
    with pytest.raises(ValueError, match="timezone-aware"):
        signer.sign(RESOURCE, datetime(2030, 1, 1, 12))


def test_generated_keys_are_rsa_2048_pems(key_pair: tuple[bytes, bytes]) -> None:
    private_pem, public_pem = key_pair
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    public_key = serialization.load_pem_public_key(public_pem)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048


def test_signer_refuses_non_rsa_keys() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(TypeError, match="RSA"):
        CloudFrontSigner(KEY_ID, pem)


def test_append_query_keeps_the_urls_own_query_and_fragment(access: SignedAccess) -> None:
    plain = append_query(MASTER, access)
    assert plain.startswith(MASTER + "?Policy=")
    assert dict(parse_qsl(urlsplit(plain).query)) == access.query
    with_query = append_query(f"{MASTER}?lang=en#t=10", access)
    parts = urlsplit(with_query)
    assert parts.query.startswith("lang=en&Policy=")
    assert parts.fragment == "t=10"


# --- the edge's check: the happy paths -------------------------------------------------------


@pytest.mark.parametrize("url", [MASTER, SEGMENT, f"{BASE}/hls/{FILM}/poster.jpg"])
def test_query_form_opens_every_file_under_the_film(
    url: str, access: SignedAccess, keys: dict[str, bytes]
) -> None:
    assert verify(url, query=access.query, cookies={}, public_keys=keys, now=NOW)


def test_cookie_form_opens_the_same_files(access: SignedAccess, keys: dict[str, bytes]) -> None:
    cookies = {**access.cookies, "session": "unrelated"}
    assert verify(SEGMENT, query={}, cookies=cookies, public_keys=keys, now=NOW)


def test_signed_url_round_trips_through_append_query(access: SignedAccess, keys: dict[str, bytes]) -> None:
    url = append_query(SEGMENT, access)
    query = dict(parse_qsl(urlsplit(url).query))
    assert verify(url, query=query, cookies={}, public_keys=keys, now=NOW)


def test_public_keys_may_be_loaded_keys(access: SignedAccess, key_pair: tuple[bytes, bytes]) -> None:
    loaded = serialization.load_pem_public_key(key_pair[1])
    assert isinstance(loaded, rsa.RSAPublicKey)
    assert verify(MASTER, query=access.query, cookies={}, public_keys={KEY_ID: loaded}, now=NOW)


def test_the_clock_is_the_default(signer: CloudFrontSigner, keys: dict[str, bytes]) -> None:
    fresh = signer.sign(RESOURCE, datetime.now(UTC) + timedelta(minutes=5))
    stale = signer.sign(RESOURCE, datetime.now(UTC) - timedelta(seconds=5))
    assert verify(MASTER, query=fresh.query, cookies={}, public_keys=keys)
    assert not verify(MASTER, query=stale.query, cookies={}, public_keys=keys)


# --- the edge's check: refusals --------------------------------------------------------------


def test_query_wins_over_cookies(access: SignedAccess, keys: dict[str, bytes]) -> None:
    broken = {**access.query, "Signature": access.query["Signature"][::-1]}
    assert not verify(MASTER, query=broken, cookies=access.cookies, public_keys=keys, now=NOW)
    # A lone signing parameter in the query is enough to switch forms: they are never mixed.
    assert not verify(
        MASTER, query={"Key-Pair-Id": KEY_ID}, cookies=access.cookies, public_keys=keys, now=NOW
    )


def test_tampered_policy_is_refused(access: SignedAccess, keys: dict[str, bytes]) -> None:
    policy = cloudfront_b64decode(access.query["Policy"]).decode()
    for forged in (
        policy.replace(FILM, OTHER_FILM),
        policy.replace(str(int(EXPIRES.timestamp())), str(int(EXPIRES.timestamp()) + 86400)),
        policy.replace(f"/hls/{FILM}/*", "/*"),
    ):
        query = {**access.query, "Policy": cloudfront_b64encode(forged.encode())}
        assert reason(MASTER, query, keys) == "bad signature"
        assert reason(MASTER.replace(FILM, OTHER_FILM), query, keys) == "bad signature"


def test_tampered_signature_is_refused(access: SignedAccess, keys: dict[str, bytes]) -> None:
    signature = access.query["Signature"]
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    assert reason(MASTER, {**access.query, "Signature": flipped}, keys) == "bad signature"
    assert reason(MASTER, {**access.query, "Signature": signature[:-8]}, keys) in (
        "bad signature",
        "Signature is not CloudFront base64",
    )


def test_unknown_key_pair_id_is_refused(access: SignedAccess, keys: dict[str, bytes]) -> None:
    assert reason(MASTER, {**access.query, "Key-Pair-Id": "KUNKNOWN"}, keys) == "unknown Key-Pair-Id"


def test_signature_by_another_key_is_refused(
    other_key_pair: tuple[bytes, bytes], keys: dict[str, bytes]
) -> None:
    impostor = CloudFrontSigner(KEY_ID, other_key_pair[0]).sign(RESOURCE, EXPIRES)
    assert reason(MASTER, impostor.query, keys) == "bad signature"
    assert verify(MASTER, query=impostor.query, cookies={}, public_keys={KEY_ID: other_key_pair[1]}, now=NOW)


def test_expiry_is_exclusive(access: SignedAccess, keys: dict[str, bytes]) -> None:
    assert verify(
        MASTER, query=access.query, cookies={}, public_keys=keys, now=EXPIRES - timedelta(seconds=1)
    )
    assert reason(MASTER, access.query, keys, now=EXPIRES) == "signature expired"
    assert reason(MASTER, access.query, keys, now=EXPIRES + timedelta(days=1)) == "signature expired"


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/hls/{OTHER_FILM}/master.m3u8",
        f"{BASE}/hls/{FILM}x/master.m3u8",
        f"{BASE}/hls/{FILM}",
        f"{BASE}/posters/{FILM}.jpg",
        f"https://other.example.net/hls/{FILM}/master.m3u8",
        f"http://media.example.net/hls/{FILM}/master.m3u8",
    ],
)
def test_urls_outside_the_resource_are_refused(
    url: str, access: SignedAccess, keys: dict[str, bytes]
) -> None:
    assert reason(url, access.query, keys) == "URL not covered by the policy"


@pytest.mark.parametrize("missing", ["Policy", "Signature", "Key-Pair-Id"])
def test_each_part_is_required(missing: str, access: SignedAccess, keys: dict[str, bytes]) -> None:
    query = {name: value for name, value in access.query.items() if name != missing}
    assert reason(MASTER, query, keys) == f"missing {missing}"
    cookies = {name: value for name, value in access.cookies.items() if name != f"CloudFront-{missing}"}
    assert not verify(MASTER, query={}, cookies=cookies, public_keys=keys, now=NOW)


def test_no_credentials_at_all(keys: dict[str, bytes]) -> None:
    assert reason(MASTER, {}, keys) == "missing Key-Pair-Id"


@pytest.mark.parametrize("bad", ["abc+def", "abc/def", "abc=", "a%2Bb", "abc def", "A"])
def test_values_outside_cloudfronts_base64_are_refused(
    bad: str, access: SignedAccess, keys: dict[str, bytes]
) -> None:
    assert "not CloudFront base64" in reason(MASTER, {**access.query, "Policy": bad}, keys)


# --- wildcards and conditions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "url", "allowed"),
    [
        ("https://h.net/hls/a/*", "https://h.net/hls/a/720p/deep/seg.ts", True),  # `*` crosses `/`
        ("https://h.net/hls/a/*", "https://h.net/hls/a/", True),  # `*` may match nothing
        ("https://h.net/hls/a/*", "https://h.net/hls/ab/seg.ts", False),
        ("https://h.net/hls/a/*", "https://h.net/hls/a/seg.ts?start=10", True),  # own query under `*`
        ("https://h.net/hls/a/seg_?.ts", "https://h.net/hls/a/seg_7.ts", True),
        ("https://h.net/hls/a/seg_?.ts", "https://h.net/hls/a/seg_17.ts", False),  # `?` is one char
        ("https://h.net/hls/a/seg_?.ts", "https://h.net/hls/a/seg_.ts", False),
        ("https://h.net/hls/a/*.ts", "https://h.net/hls/a/master.m3u8", False),
        ("https://h.net/a.ts", "https://h.net/aXts", False),  # `.` is literal
        ("https://h.net/a.ts", "https://h.net/a.ts?x=1", False),  # exact resource, other query
        ("https://h.net/a.ts", "https://h.net/a.ts?Policy=p&Signature=s&Key-Pair-Id=k", True),
        ("http*://h.net/a.ts", "https://h.net/a.ts", True),
        ("https://*.net/a.ts", "https://cdn.h.net/a.ts", True),
        ("*", "https://anything.example/x", True),
        ("https://h.net/a/**", "https://h.net/a/b/c", True),
    ],
)
def test_cloudfront_wildcard_semantics(
    resource: str, url: str, allowed: bool, signer: CloudFrontSigner, keys: dict[str, bytes]
) -> None:
    access = signer.sign(resource, EXPIRES)
    assert verify(url, query=access.query, cookies={}, public_keys=keys, now=NOW) is allowed


def test_date_greater_than_opens_the_window(key_pair: tuple[bytes, bytes], keys: dict[str, bytes]) -> None:
    start = NOW + timedelta(minutes=10)
    query = sign_custom(statement(DateGreaterThan={"AWS:EpochTime": int(start.timestamp())}), key_pair[0])
    assert reason(MASTER, query, keys) == "signature not valid yet"
    assert verify(MASTER, query=query, cookies={}, public_keys=keys, now=start)
    assert verify(MASTER, query=query, cookies={}, public_keys=keys, now=start + timedelta(minutes=1))


def test_botocore_built_policy_with_every_condition(
    key_pair: tuple[bytes, bytes], keys: dict[str, bytes]
) -> None:
    botocore_signer = BotocoreSigner(KEY_ID, rsa_signer(key_pair[0]))
    policy = botocore_signer.build_policy(
        RESOURCE, EXPIRES, date_greater_than=NOW - timedelta(minutes=1), ip_address="203.0.113.0/24"
    )
    query = sign_custom(policy, key_pair[0])
    assert verify(MASTER, query=query, cookies={}, public_keys=keys, now=NOW, client_ip="203.0.113.7")
    assert reason(MASTER, query, keys, client_ip="198.51.100.1") == "client address not allowed by the policy"
    assert reason(MASTER, query, keys) == "policy is bound to an address the edge does not know"


@pytest.mark.parametrize(
    ("policy", "why"),
    [
        ("not json", "policy is not JSON"),
        ('["Statement"]', "policy must have exactly one statement"),
        (
            json.dumps({"Statement": [json.loads(statement())["Statement"][0]] * 2}),
            "policy must have exactly one statement",
        ),
        (
            json.dumps({"Statement": [{"Resource": RESOURCE}]}),
            "statement must have a Resource and a Condition only",
        ),
        (
            json.dumps({"Statement": [{"Resource": RESOURCE, "Condition": {}, "Effect": "Allow"}]}),
            "statement must have a Resource and a Condition only",
        ),
        (
            json.dumps(
                {
                    "Statement": [
                        {"Resource": RESOURCE, "Condition": {"DateGreaterThan": {"AWS:EpochTime": 1}}}
                    ]
                }
            ),
            "policy has no DateLessThan",
        ),
        (
            statement(DateLessThan={"AWS:EpochTime": "4102444800"}),
            "DateLessThan needs an integer AWS:EpochTime",
        ),
        (statement(DateLessThan={"AWS:EpochTime": True}), "DateLessThan needs an integer AWS:EpochTime"),
        (statement(Referer={"AWS:Referer": "x"}), "unsupported policy condition"),
        (statement(IpAddress={"AWS:SourceIp": "not-an-ip"}), "bad IpAddress condition"),
        (statement(IpAddress="203.0.113.7"), "IpAddress needs an AWS:SourceIp"),
    ],
)
def test_malformed_policies_are_refused_even_when_signed(
    policy: str, why: str, key_pair: tuple[bytes, bytes], keys: dict[str, bytes]
) -> None:
    query = sign_custom(policy, key_pair[0])
    assert reason(MASTER, query, keys, client_ip="203.0.113.7") == why


def test_sha256_signatures_when_the_url_says_so(
    key_pair: tuple[bytes, bytes], keys: dict[str, bytes]
) -> None:
    policy = statement().encode()
    signature = rsa_signer(key_pair[0], hashes.SHA256())(policy)
    query = {
        "Policy": cloudfront_b64encode(policy),
        "Signature": cloudfront_b64encode(signature),
        "Key-Pair-Id": KEY_ID,
        "Hash-Algorithm": "SHA256",
    }
    assert verify(MASTER, query=query, cookies={}, public_keys=keys, now=NOW)
    assert reason(MASTER, {**query, "Hash-Algorithm": "SHA1"}, keys) == "bad signature"
    assert reason(MASTER, {**query, "Hash-Algorithm": "MD5"}, keys) == "unsupported Hash-Algorithm"


# --- canned policies -------------------------------------------------------------------------


def test_canned_policy_urls_and_cookies(key_pair: tuple[bytes, bytes], keys: dict[str, bytes]) -> None:
    signed = BotocoreSigner(KEY_ID, rsa_signer(key_pair[0])).generate_presigned_url(
        SEGMENT, date_less_than=EXPIRES
    )
    query = dict(parse_qsl(urlsplit(signed).query))
    assert set(query) == {"Expires", "Signature", "Key-Pair-Id"}
    assert verify(signed, query=query, cookies={}, public_keys=keys, now=NOW)
    cookies = {f"CloudFront-{name}": value for name, value in query.items()}
    assert verify(SEGMENT, query={}, cookies=cookies, public_keys=keys, now=NOW)
    # A canned policy covers exactly one URL, until Expires, and Expires is signed.
    assert reason(MASTER, query, keys) == "bad signature"
    assert reason(SEGMENT, query, keys, now=EXPIRES) == "signature expired"
    assert reason(SEGMENT, {**query, "Expires": str(int(query["Expires"]) + 60)}, keys) == "bad signature"
    assert reason(SEGMENT, {**query, "Expires": "soon"}, keys) == "Expires is not an epoch time"


def test_policy_and_expires_together_are_ambiguous(access: SignedAccess, keys: dict[str, bytes]) -> None:
    assert reason(MASTER, {**access.query, "Expires": "4102444800"}, keys) == "both Policy and Expires given"


def test_naive_now_is_a_programming_error(access: SignedAccess, keys: dict[str, bytes]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check(MASTER, query=access.query, cookies={}, public_keys=keys, now=datetime(2030, 1, 1))
