"""What can go wrong with payments, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import CinemaError, Conflict, NotFound, Unprocessable


class PlanNotFound(NotFound):
    detail = "plan not found"


class AlreadyEntitled(Conflict):
    detail = "you can already watch this: nothing to buy"


class NotForSale(Unprocessable):
    loc = ("body", "film_id")
    detail = "this film is not sold one by one (its access is not 'purchase')"


class InvalidSignature(CinemaError):
    status_code = 400
    detail = "invalid Stripe-Signature"


class InvalidEvent(CinemaError):
    status_code = 400
    detail = "not a Stripe event"


class PaymentsNotConfigured(CinemaError):
    status_code = 503
    detail = "payments are not configured"


class ProviderUnavailable(CinemaError):
    """Stripe answered, but not as expected (it refused the call)."""

    status_code = 502
    detail = "the payment provider did not answer as expected, try again"


class ProviderUnreachable(CinemaError):
    """Stripe did not answer in time, could not be reached or said it is overloaded: nothing
    was bought, and the same request later carries the same idempotency key."""

    status_code = 503
    detail = "the payment provider cannot be reached right now: nothing was charged, try again shortly"
    headers = {"Retry-After": "30"}  # noqa: RUF012 - shared read-only default
