"""The pages of the local Stripe: checkout (Pay), the customer portal (cancel, resume) and a
dashboard where a person plays Stripe's part later on (renewals that succeed or fail, a
refund, an immediate cancellation) and sees every webhook delivery and its answer.

Every button posts a form and is answered with a redirect (303), as Stripe's pages are.
The dashboard and its buttons answer this machine only (`OPERATOR`, see local/dev_tools.py);
checkout and portal pages are reached through their session ids, as Stripe's are.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cinema.local.dev_tools import this_machine_only
from cinema.local.stripe_emulator import lifecycle
from cinema.local.stripe_emulator.fake import Obj, StripeError, StripeFake

router = APIRouter()
OPERATOR = [Depends(this_machine_only)]  # Stripe's own side: refunds, renewals, resends

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
_STYLE = (
    "body{font:15px system-ui;max-width:56em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;"
    "padding:.3em .5em;text-align:left;vertical-align:top}form{display:inline;margin:0 .3em 0 0}"
    "button{font:inherit;padding:.3em .8em;cursor:pointer}.pay{font-size:1.2em;padding:.5em 2em;"
    "background:#635bff;color:#fff;border:0;border-radius:4px}.muted{color:#777;font-size:.9em}"
    ".box{border:1px solid #ddd;border-radius:6px;padding:1em 1.5em;margin:1em 0}"
)


def _fake(request: Request) -> StripeFake:
    return request.app.state.fake


def _prefix(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title><style>{_STYLE}</style>"
        f"<p class=muted>Local Stripe (test mode, this machine only)</p>{body}"
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": _CSP})


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:,.2f} {currency.upper()}"


def _when(timestamp: int | None) -> str:
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _button(action: str, label: str, *, css: str = "", **fields: str) -> str:
    hidden = "".join(f"<input type=hidden name={escape(k)} value='{escape(v)}'>" for k, v in fields.items())
    klass = f" class={css}" if css else ""
    return (
        f"<form method=post action='{escape(action)}'>{hidden}<button{klass}>{escape(label)}</button></form>"
    )


def _error(exc: StripeError) -> HTMLResponse:
    return _page("Local Stripe", f"<h1>Refused</h1><p>{escape(exc.body['error']['message'])}</p>", exc.status)


# ---- checkout ----------------------------------------------------------------------------


@router.get("/checkout/{session_id}", response_class=HTMLResponse)
async def checkout_page(request: Request, session_id: str) -> HTMLResponse:
    fake = _fake(request)
    try:
        session = fake.get("sessions", session_id, "checkout session")
    except StripeError as exc:
        return _error(exc)
    extras = fake.state["session_extras"].get(session_id, {})
    price = extras.get("price") or {}
    recurring = price.get("recurring")
    what = escape(extras.get("intent_description") or extras.get("product_name") or "Item")
    total = _money(session["amount_total"], session["currency"])
    per = f" / {recurring['interval']}" if recurring else ""
    action = f"{_prefix(request)}/checkout/{session_id}/pay"
    if session["status"] != "open":
        success = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        body = f"<h1>{what}</h1><p>This checkout is {escape(session['status'])}.</p><p><a href='{escape(success)}'>Continue</a></p>"
        return _page("Checkout", body)
    buttons = _button(action, f"Pay {total}", css="pay", outcome="succeeded")
    if session["mode"] == "payment":
        buttons += (
            "<p class=muted>A delayed payment method (e.g. a bank debit): the session completes unpaid, "
            "then its payment settles.</p>"
            + _button(action, "Pay later: it succeeds", outcome="async_succeeded")
            + _button(action, "Pay later: it fails", outcome="async_failed")
        )
    body = (
        f"<h1>{what}</h1><div class=box><p><b>{total}{per}</b></p>"
        f"<p class=muted>Test card 4242 4242 4242 4242 is assumed. Session {escape(session_id)}</p>"
        f"{buttons}</div><p><a href='{escape(session['cancel_url'])}'>Cancel and return</a></p>"
    )
    return _page("Checkout", body)


@router.post("/checkout/{session_id}/pay", response_model=None)
async def pay(
    request: Request,
    session_id: str,
    outcome: Annotated[str, Form(pattern="^(succeeded|async_succeeded|async_failed)$")],
) -> RedirectResponse | HTMLResponse:
    try:
        session = await _fake(request).pay(session_id, outcome)
    except StripeError as exc:
        return _error(exc)
    return RedirectResponse(
        session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), status_code=303
    )


@router.get("/done", response_class=HTMLResponse)
async def done(request: Request, session_id: str = "") -> HTMLResponse:
    """Where `cinema serve` sends a finished checkout when no web app success page is set."""
    fake = _fake(request)
    session = fake.state["sessions"].get(session_id)
    if session is None:
        return _page("Checkout", "<h1>Unknown checkout session</h1>", 404)
    objects = {session_id, session.get("subscription"), session.get("payment_intent"), session.get("invoice")}
    sent = [e for e in fake.events if e["object"] in objects]
    rows = "".join(
        f"<tr><td>{escape(e['type'])}</td><td>{', '.join(map(str, e['deliveries']))}</td></tr>" for e in sent
    )
    body = (
        f"<h1>Payment {escape(session['payment_status'])}</h1>"
        "<p>Access is granted when the platform has received Stripe's webhook events, never by this "
        "redirect. The events of this checkout and the platform's answers:</p>"
        f"<table><tr><th>event</th><th>HTTP answers</th></tr>{rows}</table>"
        f"<p><a href='{_prefix(request)}/'>Local Stripe dashboard</a> · <a href='/docs'>API docs</a></p>"
    )
    return _page("Checkout complete", body)


# ---- customer portal ---------------------------------------------------------------------


def _subscription_rows(subs: list[Obj], action_base: str, *, dashboard: bool) -> str:
    rows = []
    for sub in subs:
        item = sub["items"]["data"][0]
        price = item["price"]
        actions = ""
        if sub["status"] not in ("canceled", "incomplete_expired"):
            base = f"{action_base}/{sub['id']}"
            if dashboard:
                actions += _button(f"{base}/renew", "Renewal paid")
                actions += _button(f"{base}/fail-renewal", "Renewal fails (past_due)")
                actions += _button(f"{base}/give-up", "Retries exhausted (unpaid)")
            if sub["cancel_at_period_end"]:
                actions += _button(f"{base}/resume", "Resume")
            else:
                actions += _button(f"{base}/cancel-at-period-end", "Cancel at period end")
            actions += _button(f"{base}/cancel", "Cancel now")
        rows.append(
            f"<tr><td>{escape(sub['id'])}<br><span class=muted>{escape(sub['customer'])}</span></td>"
            f"<td>{escape(sub['status'])}{' (ends at period end)' if sub['cancel_at_period_end'] else ''}</td>"
            f"<td>{_money(price['unit_amount'], price['currency'])} / {escape(price['recurring']['interval'])}</td>"
            f"<td>{_when(item['current_period_end'])}</td><td>{actions}</td></tr>"
        )
    head = "<tr><th>subscription</th><th>status</th><th>price</th><th>period ends</th><th></th></tr>"
    return f"<table>{head}{''.join(rows)}</table>" if rows else "<p>No subscriptions.</p>"


@router.get("/portal/{portal_id}", response_class=HTMLResponse)
async def portal_page(request: Request, portal_id: str) -> HTMLResponse:
    fake = _fake(request)
    try:
        portal = fake.get("portal_sessions", portal_id, "billing portal session")
    except StripeError as exc:
        return _error(exc)
    customer = fake.state["customers"].get(portal["customer"], {})
    subs = [s for s in fake.state["subscriptions"].values() if s["customer"] == portal["customer"]]
    back = portal.get("return_url")
    body = (
        f"<h1>Your subscriptions</h1><p class=muted>{escape(customer.get('email') or portal['customer'])}</p>"
        + _subscription_rows(subs, f"{_prefix(request)}/portal/{portal_id}/subscriptions", dashboard=False)
        + (f"<p><a href='{escape(back)}'>Return</a></p>" if back else "")
    )
    return _page("Customer portal", body)


@router.post("/portal/{portal_id}/subscriptions/{subscription_id}/{action}", response_model=None)
async def portal_action(
    request: Request, portal_id: str, subscription_id: str, action: str
) -> RedirectResponse | HTMLResponse:
    fake = _fake(request)
    try:
        portal = fake.get("portal_sessions", portal_id, "billing portal session")
        if fake.get("subscriptions", subscription_id, "subscription")["customer"] != portal["customer"]:
            raise StripeError(404, "No such subscription for this customer")
        await _subscription_action(fake, subscription_id, action, portal=True)
    except StripeError as exc:
        return _error(exc)
    return RedirectResponse(f"{_prefix(request)}/portal/{portal_id}", status_code=303)


async def _subscription_action(fake: StripeFake, subscription_id: str, action: str, *, portal: bool) -> None:
    actions = {
        "cancel": lambda: lifecycle.cancel(fake, subscription_id, at_period_end=False),
        "cancel-at-period-end": lambda: lifecycle.cancel(fake, subscription_id, at_period_end=True),
        "resume": lambda: lifecycle.resume(fake, subscription_id),
    }
    if not portal:  # Stripe's side of things, from the dashboard
        actions |= {
            "renew": lambda: lifecycle.renew(fake, subscription_id),
            "fail-renewal": lambda: lifecycle.fail_renewal(fake, subscription_id),
            "give-up": lambda: lifecycle.give_up(fake, subscription_id),
        }
    if action not in actions:
        raise StripeError(404, f"Unknown action {action}")
    await actions[action]()


# ---- dashboard ---------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse, dependencies=OPERATOR)
async def dashboard(request: Request) -> HTMLResponse:
    fake = _fake(request)
    prefix = _prefix(request)
    subs = sorted(fake.state["subscriptions"].values(), key=lambda s: -s["created"])
    charges = sorted(fake.state["charges"].values(), key=lambda c: -c["created"])
    charge_rows = ""
    for c in charges:
        action = "" if c["refunded"] else _button(f"{prefix}/charges/{c['id']}/refund", "Refund")
        charge_rows += (
            f"<tr><td>{escape(c['id'])}<br><span class=muted>{escape(c.get('description') or '')}</span></td>"
            f"<td>{_money(c['amount'], c['currency'])}</td><td>{'refunded' if c['refunded'] else 'paid'}</td>"
            f"<td>{_when(c['created'])}</td><td>{action}</td></tr>"
        )
    event_rows = ""
    for e in reversed(fake.events[-100:]):
        again = _button(f"{prefix}/events/{e['id']}/resend", "Send again")
        event_rows += (
            f"<tr><td>{escape(e['type'])}<br><span class=muted>{escape(e['id'])}</span></td>"
            f"<td>{escape(e['object'])}</td><td>{', '.join(map(str, e['deliveries']))}</td><td>{again}</td></tr>"
        )
    body = (
        "<h1>Local Stripe dashboard</h1>"
        f"<p class=muted>Webhook endpoint: {escape(fake.webhook_url())} · now {_when(int(time.time()))}</p>"
        "<h2>Subscriptions</h2>"
        + _subscription_rows(subs, f"{prefix}/subscriptions", dashboard=True)
        + "<h2>Film payments</h2>"
        + (
            f"<table><tr><th>charge</th><th>amount</th><th>status</th><th>when</th><th></th></tr>{charge_rows}</table>"
            if charge_rows
            else "<p>No payments yet.</p>"
        )
        + "<h2>Webhook events (newest first)</h2>"
        + (
            f"<table><tr><th>event</th><th>object</th><th>HTTP answers</th><th></th></tr>{event_rows}</table>"
            if event_rows
            else "<p>None sent yet.</p>"
        )
    )
    return _page("Local Stripe", body)


@router.post("/subscriptions/{subscription_id}/{action}", response_model=None, dependencies=OPERATOR)
async def subscription_action(
    request: Request, subscription_id: str, action: str
) -> RedirectResponse | HTMLResponse:
    try:
        await _subscription_action(_fake(request), subscription_id, action, portal=False)
    except StripeError as exc:
        return _error(exc)
    return RedirectResponse(f"{_prefix(request)}/", status_code=303)


@router.post("/charges/{charge_id}/refund", response_model=None, dependencies=OPERATOR)
async def refund(request: Request, charge_id: str) -> RedirectResponse | HTMLResponse:
    try:
        await _fake(request).refund(charge_id)
    except StripeError as exc:
        return _error(exc)
    return RedirectResponse(f"{_prefix(request)}/", status_code=303)


@router.post("/events/{event_id}/resend", response_model=None, dependencies=OPERATOR)
async def resend(request: Request, event_id: str) -> RedirectResponse | HTMLResponse:
    try:
        await _fake(request).resend(event_id)
    except StripeError as exc:
        return _error(exc)
    return RedirectResponse(f"{_prefix(request)}/", status_code=303)
