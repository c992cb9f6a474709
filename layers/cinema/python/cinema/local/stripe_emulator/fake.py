"""The local Stripe: the few API objects the platform creates, what happens when a person
pays on the local checkout page, and the signed webhook events that follow.

State lives in memory and, for `cinema serve`, in a JSON file in the data dir (so customers
and subscriptions survive a restart, as they do at Stripe). The events that follow each
action are signed and posted to the platform's webhook by stripe_delivery.py.

The HTTP side (the REST calls of the SDK, the pages) is stripe_fake_app.py; it answers the
platform's own key only and keeps return URLs inside the platform's app (local/dev_tools.py).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cinema.local.private_files import write_private
from cinema.local.stripe_emulator import objects, payment_objects
from cinema.local.stripe_emulator.delivery import Deliver, EventSender

log = logging.getLogger("cinema.local.stripe")

Obj = dict[str, Any]

INTERVAL_SECONDS = {"month": 30 * 86400, "year": 365 * 86400}
SESSION_TTL_S = 24 * 3600
KINDS = (
    "customers",
    "prices",
    "sessions",
    "subscriptions",
    "invoices",
    "payment_intents",
    "charges",
    "portal_sessions",
    "session_extras",  # what each checkout session sells (Stripe keeps line items apart too)
)


class StripeError(Exception):
    """An error the fake answers as Stripe does: `{"error": {"type", "message", "code"?, "param"?}}`."""

    def __init__(
        self, status: int, message: str, *, kind: str = "invalid_request_error", code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message} | ({"code": code} if code else {})}


def missing(resource: str, object_id: str, param: str = "id") -> StripeError:
    error = StripeError(404, f"No such {resource}: '{object_id}'", code="resource_missing")
    error.body["error"]["param"] = param
    return error


class StripeFake:
    def __init__(
        self,
        *,
        webhook_url: Callable[[], str],
        webhook_secret: Callable[[], str],
        api_key: Callable[[], str],
        app_url: Callable[[], str],
        state_path: Path | None = None,
        deliver: Deliver | None = None,
    ) -> None:
        self.webhook_url = webhook_url
        self.api_key = api_key  # the platform's secret key, the only one answered
        self.app_url = app_url  # where people may be sent back to
        self.state_path = state_path
        self.sender = EventSender(webhook_url=webhook_url, webhook_secret=webhook_secret, deliver=deliver)
        self.reset()
        self._load()

    @property
    def deliver(self) -> Deliver:
        return self.sender.deliver

    @deliver.setter
    def deliver(self, deliver: Deliver) -> None:
        self.sender.deliver = deliver

    @property
    def events(self) -> list[Obj]:
        """Every event sent: id, type, object id and the HTTP status of each delivery."""
        return self.sender.events

    async def send(self, events: list[tuple[str, Obj]]) -> None:
        await self.sender.send(events, created=self._clock or int(time.time()))

    async def resend(self, event_id: str) -> Obj:
        record = self.sender.record(event_id)
        if record is None:
            raise missing("event", event_id)
        await self.sender.deliver_again(record)
        return record

    def reset(self) -> None:
        """Forget everything (the state file is rewritten on the next change)."""
        self.state: dict[str, dict[str, Obj]] = {kind: {} for kind in KINDS}
        self.idempotency: dict[str, Obj] = {}
        self.requests: list[Obj] = []  # every API call: method, path, idempotency key
        self.sender.reset()
        self._clock = 0
        self._add_local_prices()

    def _add_local_prices(self) -> None:
        now = int(time.time())
        for price_id, spec in objects.LOCAL_PRICES.items():
            self.state["prices"].setdefault(
                price_id,
                objects.price(
                    price_id,
                    unit_amount=spec["unit_amount"],
                    currency=spec["currency"],
                    interval=spec["interval"],
                    product=spec["product"],
                    created=now,
                ),
            )

    # ---- persistence -----------------------------------------------------------------

    def _load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        try:
            saved = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring an unreadable local Stripe state file %s", self.state_path)
            return
        for kind in KINDS:
            self.state[kind].update(saved.get(kind, {}))

    async def save(self) -> None:
        if self.state_path is None:
            return
        text = json.dumps(self.state)
        path = self.state_path
        await asyncio.to_thread(write_private, path, text)

    # ---- lookups ---------------------------------------------------------------------

    def get(self, kind: str, object_id: str, resource: str) -> Obj:
        found = self.state[kind].get(object_id)
        if found is None:
            raise missing(resource, object_id)
        return found

    def tick(self) -> int:
        """Now, but strictly after every event already sent (the platform orders a
        subscription's events by their `created` second)."""
        self._clock = max(int(time.time()), self._clock + 1)
        return self._clock

    # ---- the API calls the platform makes ---------------------------------------------

    def create_customer(self, params: Obj) -> Obj:
        customer_id = objects.new_id("cus", 14)
        obj = objects.customer(
            customer_id,
            email=params.get("email"),
            name=params.get("name"),
            metadata=dict(params.get("metadata") or {}),
            created=int(time.time()),
        )
        self.state["customers"][customer_id] = obj
        return obj

    def create_checkout_session(self, params: Obj, base_url: str) -> Obj:
        mode = params.get("mode")
        if mode not in ("payment", "subscription"):
            raise StripeError(400, "Invalid mode: must be one of payment, setup or subscription")
        for url in ("success_url", "cancel_url"):
            if not params.get(url):
                raise StripeError(400, f"Missing required param: {url}.")
        customer = params.get("customer")
        if customer is not None:
            self.get("customers", customer, "customer")
        items = params.get("line_items") or []
        if len(items) != 1:
            raise StripeError(400, "This local Stripe sells exactly one line item per session.")
        price, product_name = self._line_price(items[0], mode)
        quantity = int(items[0].get("quantity") or 1)
        session_id = objects.new_id("cs_test", 58)
        now = int(time.time())
        session = objects.checkout_session(
            session_id,
            mode=mode,
            customer=customer,
            client_reference_id=params.get("client_reference_id"),
            metadata=dict(params.get("metadata") or {}),
            amount_total=price["unit_amount"] * quantity,
            currency=price["currency"],
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            url=f"{base_url}/checkout/{session_id}",
            created=now,
            expires_at=now + SESSION_TTL_S,
        )
        self.state["sessions"][session_id] = session
        # What the session sells and what Stripe will copy onto the objects it creates.
        self._extras(session_id).update(
            price=price,
            product_name=product_name,
            subscription_metadata=dict((params.get("subscription_data") or {}).get("metadata") or {}),
            intent_metadata=dict((params.get("payment_intent_data") or {}).get("metadata") or {}),
            intent_description=(params.get("payment_intent_data") or {}).get("description"),
        )
        return session

    def _line_price(self, item: Obj, mode: str) -> tuple[Obj, str]:
        if "price" in item:
            price = copy.deepcopy(self.get("prices", item["price"], "price"))
            if (price["type"] == "recurring") != (mode == "subscription"):
                raise StripeError(400, f"The price {price['id']} does not fit mode={mode}.")
            spec = objects.LOCAL_PRICES.get(price["id"])
            return price, spec["product_name"] if spec else price["product"]
        data = item.get("price_data")
        if not isinstance(data, dict) or mode != "payment":
            raise StripeError(400, "Each line item needs a price, or price_data in payment mode.")
        amount, currency = str(data.get("unit_amount", "")), str(data.get("currency", "")).lower()
        if not (amount.isascii() and amount.isdigit() and 0 < len(amount) <= 9) or int(amount) < 1:
            raise StripeError(400, "Invalid integer: unit_amount.")
        if not (currency.isascii() and currency.isalpha() and len(currency) == 3):
            raise StripeError(400, "Invalid currency.")
        price = objects.price(
            objects.new_id("price", 24),
            unit_amount=int(amount),
            currency=currency,
            interval=None,
            product=objects.new_id("prod", 14),
            created=int(time.time()),
        )
        return price, (data.get("product_data") or {}).get("name") or "Item"

    def _extras(self, session_id: str) -> Obj:
        return self.state["session_extras"].setdefault(session_id, {})

    def create_portal_session(self, params: Obj, base_url: str) -> Obj:
        customer = params.get("customer")
        if not customer:
            raise StripeError(400, "Missing required param: customer.")
        self.get("customers", customer, "customer")
        session_id = objects.new_id("bps", 24)
        obj = objects.portal_session(
            session_id,
            customer=customer,
            return_url=params.get("return_url"),
            url=f"{base_url}/portal/{session_id}",
            created=int(time.time()),
        )
        self.state["portal_sessions"][session_id] = obj
        return obj

    # ---- what a person does on the local pages ---------------------------------------

    async def pay(self, session_id: str, outcome: str = "succeeded") -> Obj:
        """The checkout page's Pay button: complete the session, then send its events.

        outcome: "succeeded" (a card), "async_succeeded" / "async_failed" (a delayed method:
        the session completes unpaid, then its payment succeeds or fails)."""
        session = self.get("sessions", session_id, "checkout session")
        if session["status"] != "open":
            raise StripeError(400, f"This Checkout Session is already {session['status']}.")
        session["status"] = "complete"
        if session["mode"] == "subscription":
            events = self._complete_subscription(session)
        else:
            events = self._complete_payment(session, outcome)
        await self.save()
        await self.send(events)
        return session

    def _complete_subscription(self, session: Obj) -> list[tuple[str, Obj]]:
        extras = self._extras(session["id"])
        price = extras["price"]
        customer = session["customer"] or self.create_customer({"email": None})["id"]
        now = self.tick()
        sub_id, invoice_id = objects.new_id("sub", 24), objects.new_id("in", 24)
        end = now + INTERVAL_SECONDS[price["recurring"]["interval"]]
        metadata = extras["subscription_metadata"]
        sub = objects.subscription(
            sub_id,
            customer=customer,
            price_obj=price,
            status="active",
            period_start=now,
            period_end=end,
            cancel_at_period_end=False,
            metadata=metadata,
            created=now,
            latest_invoice=invoice_id,
        )
        invoice = objects.invoice(
            invoice_id,
            customer=customer,
            subscription_id=sub_id,
            price_obj=price,
            paid=True,
            attempt_count=1,
            period_start=now,
            period_end=end,
            created=now,
            billing_reason="subscription_create",
            subscription_metadata=metadata,
        )
        self.state["subscriptions"][sub_id] = sub
        self.state["invoices"][invoice_id] = invoice
        session.update(customer=customer, subscription=sub_id, invoice=invoice_id, payment_status="paid")
        return [
            ("customer.subscription.created", sub),
            ("invoice.finalized", invoice),  # not handled by the platform: answered 200 and ignored
            ("invoice.paid", invoice),
            ("checkout.session.completed", session),
        ]

    def _complete_payment(self, session: Obj, outcome: str) -> list[tuple[str, Obj]]:
        extras = self._extras(session["id"])
        now = self.tick()
        intent_id = objects.new_id("pi", 24)
        session["payment_intent"] = intent_id
        intent = payment_objects.payment_intent(
            intent_id,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            description=extras.get("intent_description"),
            metadata=extras["intent_metadata"],
            status="processing",
            latest_charge=None,
            created=now,
        )
        self.state["payment_intents"][intent_id] = intent
        if outcome == "async_failed":
            intent["status"] = "requires_payment_method"
            return [
                ("checkout.session.completed", copy.deepcopy(session)),
                ("checkout.session.async_payment_failed", session),
            ]
        charge = self._charge(intent, now)
        session["payment_status"] = "paid"
        if outcome == "async_succeeded":
            unpaid = copy.deepcopy(session) | {"payment_status": "unpaid"}
            return [
                ("checkout.session.completed", unpaid),
                ("payment_intent.succeeded", intent),
                ("checkout.session.async_payment_succeeded", session),
            ]
        return [
            ("payment_intent.succeeded", intent),
            ("charge.succeeded", charge),
            ("checkout.session.completed", session),
        ]

    def _charge(self, intent: Obj, now: int) -> Obj:
        charge_id = objects.new_id("ch", 24)
        charge = payment_objects.charge(
            charge_id,
            payment_intent=intent["id"],
            customer=intent["customer"],
            amount=intent["amount"],
            currency=intent["currency"],
            description=intent["description"],
            metadata=dict(intent["metadata"]),
            created=now,
            refunds=[],
        )
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge_id)
        self.state["charges"][charge_id] = charge
        return charge

    async def refund(self, charge_id: str) -> Obj:
        charge = self.get("charges", charge_id, "charge")
        if charge["refunded"]:
            raise StripeError(
                400, f"Charge {charge_id} has already been refunded.", code="charge_already_refunded"
            )
        now = self.tick()
        remaining = charge["amount"] - charge["amount_refunded"]
        refund = payment_objects.refund(
            objects.new_id("re", 24),
            charge_id=charge_id,
            payment_intent=charge["payment_intent"],
            amount=remaining,
            currency=charge["currency"],
            created=now,
        )
        charge["refunds"]["data"].append(refund)
        charge.update(amount_refunded=charge["amount"], refunded=True)
        await self.save()
        await self.send([("charge.refunded", charge)])
        return charge
