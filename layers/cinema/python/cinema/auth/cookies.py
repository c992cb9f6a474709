"""The refresh token as an httpOnly cookie, for browsers: the web app keeps the access token in
memory only and, after a reload, gets a new pair with a body-less POST /auth/refresh.

The cookie is scoped to /api/v1/auth (the only routes that read it), SameSite=Strict, and Secure
except on a loopback host (http://127.0.0.1:8000 has no TLS). CSRF: SameSite=Strict keeps
cross-site requests from carrying it; a request that relies on the cookie is also refused when the
browser says it comes from another site (`Sec-Fetch-Site: cross-site`, or an `Origin` that is
neither this API's, the web app's nor a configured CORS origin), which also stops sibling
sub-domains that SameSite lets through. Neither check needs anything from the web app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request, Response

from cinema.auth.errors import CrossSiteRequest
from cinema.core.app import API_PREFIX
from cinema.core.settings import get_settings

REFRESH_COOKIE = "cinema_refresh"
COOKIE_PATH = f"{API_PREFIX}/auth"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

CSRF_NOTE = (
    f"Browsers: the refresh token also travels as the httpOnly cookie `{REFRESH_COOKIE}` (path "
    f"`{COOKIE_PATH}`, SameSite=Strict, Secure except on 127.0.0.1/localhost/::1). Without a token in "
    'the body (no body at all, `{}` or `{"refresh_token": null}`) the cookie is used; a request '
    "relying on it is refused with 403 when it comes from another site (`Sec-Fetch-Site: cross-site` "
    "or an `Origin` other than the API's, the web app's or a configured CORS origin)."
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _secure(request: Request) -> bool:
    return (request.url.hostname or "").lower() not in LOOPBACK


def from_this_site(request: Request) -> bool:
    """False when the browser tells the request comes from another site; requests without
    those headers (curl, the app's own scripts on old browsers) pass: SameSite still holds."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    settings = get_settings()
    allowed = {
        _origin(str(request.base_url)),
        _origin(settings.base_url),
        _origin(settings.web_base_url),
        *(o.rstrip("/").lower() for o in settings.cors_origins),
    }
    return origin.rstrip("/").lower() in allowed


def token_from_cookie(request: Request) -> str | None:
    """The refresh token of the cookie, if any; 403 when a cross-site request presents it."""
    token = request.cookies.get(REFRESH_COOKIE) or None
    if token is not None and not from_this_site(request):
        raise CrossSiteRequest()
    return token


def set_refresh_cookie(response: Response, request: Request, token: str) -> None:
    """Sets the cookie, unless the request comes from another site (login CSRF must not plant
    an attacker's session in the victim's browser; the body still carries the pair)."""
    if not from_this_site(request):
        return
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=get_settings().refresh_token_days * 24 * 3600,
        path=COOKIE_PATH,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=COOKIE_PATH, secure=_secure(request), httponly=True, samesite="strict"
    )


def clearing_header(request: Request) -> str:
    """The Set-Cookie value that clears the cookie, for an error answer."""
    carrier = Response()
    clear_refresh_cookie(carrier, request)
    return carrier.headers["set-cookie"]
