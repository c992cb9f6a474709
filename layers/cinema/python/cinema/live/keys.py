"""Stream keys and the hooks' shared secret.

A key is 32 random bytes (URL-safe), so a plain SHA-256 is a sound way to store it: nothing
to brute-force, and the lookup by hash is exact. Both the key's hash and the hook secret are
compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qsl

from cinema.core.text import CONTROL_CHARACTER

KEY_PREFIX = "live_"


def new_key() -> tuple[str, str]:
    """(the key, its hash): the key goes to the admin once, the hash to the database."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def secret_matches(expected: str, given: str | None) -> bool:
    """An empty configured secret matches nothing: hooks are closed until one is set."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


class HookForm:
    """The form nginx-rtmp posts. nginx appends the publish URL's query raw to its own fields,
    so a client can add a second `name=`: every field is kept, and `one()` refuses repeats."""

    def __init__(self, body: bytes) -> None:
        try:
            self.fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=64)
        except ValueError:  # not UTF-8, or more fields than nginx ever sends: nothing is valid
            self.fields = []
        if any(CONTROL_CHARACTER.search(key + value) for key, value in self.fields):
            self.fields = []  # nginx sends no control character (and the database takes no NUL)

    def one(self, name: str) -> str | None:
        values = [value for key, value in self.fields if key == name]
        return values[0] if len(values) == 1 else None
