"""The brute-force rules, from settings, and how sign-in applies them.

Sign-in failures are limited three ways (ASVS V2.2.1, without handing attackers a lock-out):
- per (account, client address), strict (10 per 15 min): guessing one account from one place;
- per client address (30 per 5 min): one place guessing many accounts;
- per account from everywhere, loose (100 per hour): a guess spread over many addresses.
The strict limit is not per account alone, or anybody could lock anybody out (the admin
included) with ten wrong passwords. The ceiling is per account, so a botnet meets it, and
then only addresses the owner has signed in from before (remembered for 30 days) are still
let through; their own (account, address) limit still applies to them.
"""

from __future__ import annotations

from cinema.auth import ratelimit
from cinema.auth.ratelimit import Checks, Rule
from cinema.core.settings import get_settings


def _pair(email: str, client_ip: str) -> str:
    return f"{email.lower()}\x00{client_ip}"


async def login_checks(email: str, client_ip: str) -> Checks:
    """The rules a sign-in attempt for `email` from `client_ip` is counted against."""
    s = get_settings()
    checks = [
        (Rule("login-pair", s.login_account_limit, s.login_account_window_s), _pair(email, client_ip)),
        (Rule("login-ip", s.login_ip_limit, s.login_ip_window_s), client_ip),
    ]
    if not await ratelimit.marked(_known_address(), _pair(email, client_ip)):
        checks.append(
            (Rule("login-account", s.login_account_ceiling, s.login_account_ceiling_window_s), email)
        )
    return checks


async def login_succeeded(checks: Checks, email: str, client_ip: str) -> None:
    """A right password is no failure: its attempt is handed back, the (account, address)
    counter starts again and the address is remembered as the owner's."""
    pair = _pair(email, client_ip)
    await ratelimit.give_back(checks, clear=(checks[0][0], pair), mark=(_known_address(), pair))


def _known_address() -> Rule:
    return Rule("login-known", 1, get_settings().login_known_address_days * 86400)


def password_change_checks(email: str) -> Checks:
    """Wrong current passwords of a signed-in session: the strict limit, per account."""
    s = get_settings()
    return [(Rule("password-change", s.login_account_limit, s.login_account_window_s), email)]


def register_checks(client_ip: str) -> Checks:
    s = get_settings()
    return [(Rule("register-ip", s.register_ip_limit, s.register_ip_window_s), client_ip)]


def reset_checks(email: str, client_ip: str) -> Checks:
    s = get_settings()
    return [
        (Rule("reset-account", s.reset_account_limit, s.reset_account_window_s), email),
        (Rule("reset-ip", s.reset_ip_limit, s.reset_ip_window_s), client_ip),
    ]
