"""The built web app (web/dist) on the one-machine platform; in AWS CloudFront serves it from S3.

Where: CINEMA_WEB_DIST, else `web/dist` of the repository this package runs from (found from
the package's own location, then from the current directory). Served only when it holds an
index.html, and only for requests no API route took (the router's fallback), so the API, /docs,
/media and /dev keep answering exactly as before:

- /assets/*: Vite's content-hashed files, cached for a year (`immutable`); a missing one is a 404,
  never index.html (a page asking for a chunk of an older build must fail, not parse HTML as JS);
- other files of the build (favicon.svg, robots.txt ...): a short cache;
- every other GET/HEAD path outside /api, /docs, /media, /dev: index.html with `no-cache`, so
  the app's own routes (/films/123, /reset-password, /payments/success) load it.

Nothing outside the build folder is ever served (paths are resolved and checked). Without a
build, / answers a page that says how to get one; `cinema serve` says so on the console too.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cinema.core.settings import Settings

RESERVED = ("/api", "/docs", "/media", "/dev", "/static/docs")
ASSETS = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
HOW_TO_BUILD = "install Node.js 20+ (with npm) and run `make run` again, or build it with `make web`"
_PACKAGE_ROOT = Path(__file__).resolve().parents[5]  # layers/cinema/python/cinema/local/web.py


def _repository_dist() -> list[Path]:
    """web/dist of the checkout this package runs from, then of the current directory."""
    roots = [_PACKAGE_ROOT, Path.cwd()]
    return [root / "web" / "dist" for root in roots if (root / "pyproject.toml").is_file()]


def dist_folder(settings: Settings) -> Path:
    """The folder the build is expected in (it may not exist, or hold no index.html yet)."""
    if settings.web_dist is not None:
        return settings.web_dist
    candidates = _repository_dist()
    built = [c for c in candidates if (c / "index.html").is_file()]
    return (built or candidates or [Path("web/dist")])[0]


def built(settings: Settings) -> Path | None:
    """The build folder, resolved, when it holds an index.html."""
    folder = dist_folder(settings)
    return folder.resolve() if (folder / "index.html").is_file() else None


def console_line(settings: Settings) -> str:
    folder = built(settings)
    if folder is not None:
        return f"{settings.base_url}/   (the web app, built in {folder})"
    return f"not built ({dist_folder(settings)} has no index.html): {HOW_TO_BUILD}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def browser_origins(settings: Settings) -> list[str]:
    """The origins pages of the platform are served from: the app (as 127.0.0.1 and as localhost
    when it listens on loopback), the web app's own URL and the configured CORS origins (the
    Vite dev server). What the uploads bucket's CORS admits."""
    origins = [_origin(settings.base_url), _origin(settings.web_base_url)]
    for origin in list(origins):
        for alias, other in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
            if origin.endswith(alias) or alias + ":" in origin:
                origins.append(origin.replace(alias, other, 1))
    origins += [o.rstrip("/") for o in settings.cors_origins]
    return [o for o in dict.fromkeys(origins) if o]


def content_security_policy(settings: Settings) -> str:
    """What the app needs: its own scripts, the API and the media on this origin, the S3
    endpoint it PUTs upload parts to, blob: for the player's media source and workers."""
    others = sorted({o for o in (_origin(settings.s3_endpoint_url), _origin(settings.media_url)) if o})
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *others],
        "media-src": ["'self'", "blob:", *others],
        "connect-src": ["'self'", *others],
        "worker-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def _not_built_page(folder: Path) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Cinema: web app not built</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}"
        "code{background:#eee;padding:0 .3em}</style></head><body>"
        "<h1>The web app is not built</h1>"
        f"<p>There is no <code>index.html</code> in <code>{escape(str(folder))}</code>.</p>"
        "<p>To get it, install <b>Node.js 20+</b> (with npm) and run <code>make run</code> again, "
        "or build it alone with <code>make web</code> (or point <code>CINEMA_WEB_DIST</code> at a build).</p>"
        "<p>The API runs meanwhile: <a href='/docs'>/docs</a>, "
        "<a href='/api/v1/health'>/api/v1/health</a>.</p></body></html>"
    )


class WebApp:
    """An ASGI app for the requests no route matched: the build's files or index.html; anything
    else (other methods, reserved prefixes) goes to `fallback` (the router's usual 404)."""

    def __init__(self, settings: Settings, fallback: ASGIApp) -> None:
        self.folder = built(settings)
        self.expected = dist_folder(settings)
        self.fallback = fallback
        self.csp = content_security_policy(settings)

    def _file(self, path: str) -> Path | None:
        """The build's file for a URL path, or None; never a path outside the build."""
        assert self.folder is not None
        relative = path.lstrip("/")  # the ASGI path is already percent-decoded: decode nothing twice
        if not relative or "\x00" in relative or "\\" in relative:
            return None
        candidate = (self.folder / relative).resolve()
        if not candidate.is_relative_to(self.folder) or not candidate.is_file():
            return None
        return candidate

    def _headers(self, cache: str, *, page: bool) -> dict[str, str]:
        headers = {"Cache-Control": cache}
        if page:
            headers["Content-Security-Policy"] = self.csp
        return headers

    def _answer(self, path: str) -> Response | None:
        if self.folder is None:
            page = _not_built_page(self.expected)
            csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
            headers = {"Cache-Control": "no-cache", "Content-Security-Policy": csp}
            return HTMLResponse(page, status_code=200 if path == "/" else 404, headers=headers)
        found = self._file(path)
        if found is not None and found.name != "index.html":
            cache = IMMUTABLE if path.startswith(ASSETS) else SHORT
            return FileResponse(found, headers=self._headers(cache, page=found.suffix == ".html"))
        if path.startswith(ASSETS):
            return None  # a missing asset is a 404, never the page
        return FileResponse(self.folder / "index.html", headers=self._headers("no-cache", page=True))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        reserved = any(path == p or path.startswith(p + "/") for p in RESERVED)
        answer = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not reserved:
            answer = self._answer(path)
        await (answer or self.fallback)(scope, receive, send)
