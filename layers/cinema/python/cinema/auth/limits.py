"""The brute-force rules, from settings."""

from __future__ import annotations

from cinema.auth.ratelimit import Rule
from cinema.core.settings import get_settings


def login_rules() -> tuple[Rule, Rule]:
    s = get_settings()
    return (
        Rule("login-account", s.login_account_limit, s.login_account_window_s),
        Rule("login-ip", s.login_ip_limit, s.login_ip_window_s),
    )


def reset_rules() -> tuple[Rule, Rule]:
    s = get_settings()
    return (
        Rule("reset-account", s.reset_account_limit, s.reset_account_window_s),
        Rule("reset-ip", s.reset_ip_limit, s.reset_ip_window_s),
    )
