"""The password policy (length itself is checked by the schemas)."""

from __future__ import annotations

from cinema.auth.errors import WeakPassword


def check_policy(password: str, *, email: str) -> None:
    lowered = password.strip().lower()
    local_part = email.split("@", 1)[0].lower()
    if lowered in {email.lower(), local_part}:
        raise WeakPassword("the password must not be your email address")
    if len(set(password)) < 4:
        raise WeakPassword("the password is too simple: use more different characters")
