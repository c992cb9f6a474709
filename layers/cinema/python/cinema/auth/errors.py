"""What can go wrong with accounts and tokens, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import CinemaError, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable


class EmailTaken(Conflict):
    detail = "an account with this email already exists"


class BadCredentials(Unauthorized):
    detail = "incorrect email or password"


class InvalidToken(Unauthorized):
    detail = "invalid or expired token"


class InvalidRefreshToken(Unauthorized):
    detail = "invalid, expired or already used refresh token"


class RefreshTokenReplayed(InvalidRefreshToken):
    """A spent token came back: it leaked. The family's revocation must be committed."""

    commit = True


class AccountDisabled(Forbidden):
    detail = "this account is disabled"


class InsufficientRole(Forbidden):
    detail = "your role does not allow this"


class WeakPassword(Unprocessable):
    error_type = "password_too_weak"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class InvalidResetToken(CinemaError):
    status_code = 400
    detail = "this password reset link is invalid, expired or already used"


class WrongCurrentPassword(CinemaError):
    status_code = 400
    detail = "the current password is not correct"


class UserNotFound(NotFound):
    detail = "user not found"


class LastAdmin(Conflict):
    detail = "this would leave the platform without an active admin"


class CrossSiteRequest(Forbidden):
    detail = "the refresh cookie is accepted only from this site's own pages"
