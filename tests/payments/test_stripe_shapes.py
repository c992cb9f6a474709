"""The local Stripe answers objects of exactly the shapes of Stripe's published examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cinema.local.stripe_emulator import objects as stripe_objects
from cinema.local.stripe_emulator import payment_objects
from cinema.local.stripe_emulator.app import decode_form

# Stripe's published examples, unchanged (see stripe_examples/README.md).
STRIPE_EXAMPLES = Path(__file__).with_name("stripe_examples") / "fixtures3.json"
# Keys Stripe's API documents that the example leaves out (see stripe_objects).
DOCUMENTED_EXTRAS = {"lines.data.pricing.price_details"}


def _differences(made: Any, example: Any, path: str = "") -> list[str]:
    """Keys added or missing, recursively, wherever both sides hold an object (a value the
    example shows as an object may be null, as Stripe sends when it does not apply)."""
    if isinstance(made, list) and isinstance(example, list) and made and example:
        return [d for item in made for d in _differences(item, example[0], f"{path}[]")]
    if not isinstance(made, dict) or not isinstance(example, dict):
        return []
    out = []
    for key in made.keys() | example.keys():
        where = f"{path}.{key}" if path else key
        if key not in example:
            if where.replace("[]", "") not in DOCUMENTED_EXTRAS:
                out.append(f"added {where}")
        elif key not in made:
            out.append(f"missing {where}")
        else:
            out.extend(_differences(made[key], example[key], where))
    return out


def _made() -> dict[str, Any]:
    price = stripe_objects.price(
        "price_x", unit_amount=100, currency="rub", interval="month", product="prod_x", created=1
    )
    one_time = stripe_objects.price(
        "price_y", unit_amount=100, currency="rub", interval=None, product="prod_x", created=1
    )
    refund = payment_objects.refund(
        "re_1", charge_id="ch_1", payment_intent="pi_1", amount=100, currency="rub", created=1
    )
    return {
        "price": price,
        "price (one-time)": one_time,
        "customer": stripe_objects.customer("cus_1", email="a@b.c", name=None, metadata={}, created=1),
        "checkout.session": stripe_objects.checkout_session(
            "cs_1",
            mode="payment",
            customer="cus_1",
            client_reference_id="u",
            metadata={},
            amount_total=100,
            currency="rub",
            success_url="s",
            cancel_url="c",
            url="u",
            created=1,
            expires_at=2,
        ),
        "subscription": stripe_objects.subscription(
            "sub_1",
            customer="cus_1",
            price_obj=price,
            status="active",
            period_start=1,
            period_end=2,
            cancel_at_period_end=False,
            metadata={},
            created=1,
            latest_invoice="in_1",
        ),
        "invoice": stripe_objects.invoice(
            "in_1",
            customer="cus_1",
            subscription_id="sub_1",
            price_obj=price,
            paid=True,
            attempt_count=1,
            period_start=1,
            period_end=2,
            created=1,
            billing_reason="subscription_cycle",
            subscription_metadata={},
        ),
        "payment_intent": payment_objects.payment_intent(
            "pi_1",
            amount=100,
            currency="rub",
            customer=None,
            description=None,
            metadata={},
            status="succeeded",
            latest_charge="ch_1",
            created=1,
        ),
        "charge": payment_objects.charge(
            "ch_1",
            payment_intent="pi_1",
            customer=None,
            amount=100,
            currency="rub",
            description=None,
            metadata={},
            created=1,
            refunds=[refund],
        ),
        "refund": refund,
        "billing_portal.session": stripe_objects.portal_session(
            "bps_1", customer="cus_1", return_url=None, url="u", created=1
        ),
        "event": stripe_objects.event("invoice.paid", {"id": "in_1", "object": "invoice"}, created=1),
    }


@pytest.mark.parametrize("name", list(_made()))
def test_objects_keep_the_examples_shape(name):
    made = _made()[name]
    resource = name.split(" ")[0]
    example = stripe_objects.template(resource)
    if resource == "event":  # the event's data.object is whatever object it carries
        made, example = {**made, "data": {}}, {**example, "data": {}}
    assert _differences(made, example) == []
    assert made["object"] == example["object"]


def test_the_packaged_examples_are_stripes_unchanged():
    original = json.loads(STRIPE_EXAMPLES.read_text())["resources"]
    packaged = json.loads(Path(stripe_objects.__file__).with_name("fixtures.json").read_text())["resources"]
    assert all(packaged[name] == original[name] for name in packaged)


def test_form_decoding_as_the_sdk_encodes():
    body = (
        b"mode=payment&line_items[0][price_data][currency]=rub&line_items[0][price_data][unit_amount]=100"
        b"&line_items[0][quantity]=1&metadata[user_id]=u1&expand[0]=x&expand[1]=y"
    )
    assert decode_form(body) == {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "rub", "unit_amount": "100"}, "quantity": "1"}],
        "metadata": {"user_id": "u1"},
        "expand": ["x", "y"],
    }
