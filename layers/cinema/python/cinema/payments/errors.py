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
    status_code = 502
    detail = "the payment provider did not answer as expected, try again"
