"""Creating the first administrator outside HTTP (CLI, local stack)."""

from __future__ import annotations

import uuid

from pydantic import TypeAdapter, ValidationError

from cinema.auth import passwords, users
from cinema.auth.errors import WeakPassword
from cinema.auth.schemas import PASSWORD_MAX, PASSWORD_MIN, RegisterIn
from cinema.core import cache, db
from cinema.core.security import hash_password_async

_email = TypeAdapter(RegisterIn.model_fields["email"].annotation)


async def ensure_admin(*, email: str, password: str, display_name: str = "Admin") -> uuid.UUID:
    """Validates like registration does, then creates or promotes the account; raises ValueError."""
    try:
        _email.validate_python(email)
    except ValidationError as exc:
        raise ValueError(f"not a valid email address: {email!r}") from exc
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ValueError(f"the password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    try:
        passwords.check_policy(password, email=email)
    except WeakPassword as exc:
        raise ValueError(exc.detail) from exc
    try:
        password_hash = await hash_password_async(password)
        async with db.transaction() as session:  # runs the after-commit hooks (cached auth state)
            user = await users.create_admin(
                session, email=email, password_hash=password_hash, display_name=display_name
            )
        return user.id
    finally:
        await db.dispose()
        await cache.close()
