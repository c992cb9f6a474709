"""Whether what Stripe says was paid is the platform's price: the last check before a grant.

Only the platform creates checkout sessions (with its secret key), at its own prices, so a
mismatch means a session made elsewhere (a leaked key, another product of the same Stripe
account) or a price changed between checkout and payment. Either way nothing is granted:
the handler answers a `Refusal`, the event is still stored (its redeliveries are duplicates,
and Stripe stopped retrying on the webhook's 200), and the applier's error log names the
object for a person to refund.

The rule: the same currency, and at least the price (paying more, e.g. after a price cut
between checkout and payment, still buys the film). A subscription is the platform's when
its Stripe price is a plan's own price, or when it charges a plan's amount and currency.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("cinema.payments.price_check")


@dataclass(frozen=True)
class Refusal:
    """Why an event was refused; logged (`log`) once the event is recorded, so that a
    redelivery racing the first one does not ask for a second refund."""

    what: str
    object_id: Any
    paid: str
    price: str

    def log(self) -> None:
        log.error(
            "REFUSED %s %s: paid %s, the price is %s; nothing granted, refund it by hand",
            self.what,
            self.object_id,
            self.paid,
            self.price,
        )


def covers(paid_amount: Any, paid_currency: Any, price_amount: int, price_currency: str) -> bool:
    if isinstance(paid_amount, bool) or not isinstance(paid_amount, int):
        return False
    return str(paid_currency or "").upper() == price_currency.upper() and paid_amount >= price_amount


def refuse(what: str, object_id: Any, *, paid: str, price: str) -> Refusal:
    return Refusal(what, object_id, paid, price)
