"""The built web app on the one-machine platform: files, caching, client routes, no escape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from cinema.core.settings import Settings, get_settings
from cinema.local import web

INDEX = "<!doctype html><html><head><script type=module src=/assets/app-3f2a1b.js></script></head></html>"
SCRIPT = "console.log('cinema')"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "build" / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "app-3f2a1b.js").write_text(SCRIPT)
    (folder / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "build" / "secret.txt").write_text("not for the web")
    (tmp_path / "secret.txt").write_text("not for the web either")
    return folder


@pytest.fixture
def serving(
    services, _engine_lifetime, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Path], httpx.AsyncClient]:
    """A client of the local app built with CINEMA_WEB_DIST pointing at `folder`."""
    from cinema.local.app import create_app  # noqa: PLC0415

    def start(folder: Path) -> httpx.AsyncClient:
        monkeypatch.setenv("CINEMA_WEB_DIST", str(folder))
        get_settings.cache_clear()
        transport = httpx.ASGITransport(app=create_app())
        return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")

    return start


async def test_the_page_the_assets_and_the_other_files(serving, dist):
    async with serving(dist) as http:
        page = await http.get("/")
        assert (page.status_code, page.text) == (200, INDEX)
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        asset = await http.get("/assets/app-3f2a1b.js")
        assert (asset.status_code, asset.text) == (200, SCRIPT)
        assert "javascript" in asset.headers["content-type"]
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        icon = await http.get("/favicon.svg")
        assert icon.status_code == 200
        assert icon.headers["cache-control"] == "public, max-age=3600"
        assert (await http.get("/index.html")).headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/films/123",
        "/reset-password?token=abc",
        "/payments/success?session_id=cs_test_1",
        "/payments/cancel",
        "/account",
        "/admin/films/new",
        "/assetsx/app.js",
    ],
)
async def test_client_routes_get_the_page(serving, dist, path):
    async with serving(dist) as http:
        response = await http.get(path)
        assert (response.status_code, response.text) == (200, INDEX)
        assert response.headers["cache-control"] == "no-cache"
        head = await http.head(path)
        assert (head.status_code, head.content) == (200, b"")


async def test_a_missing_asset_is_a_404_not_the_page(serving, dist):
    async with serving(dist) as http:
        response = await http.get("/assets/app-000000.js")
        assert response.status_code == 404
        assert INDEX not in response.text


async def test_the_api_and_the_local_routes_are_untouched(serving, dist):
    async with serving(dist) as http:
        unknown = await http.get("/api/v1/no-such-route")
        assert unknown.status_code == 404
        assert unknown.json() == {"detail": "Not Found"}
        assert (await http.get("/api/v1/health")).json()["status"] == "ok"
        docs = await http.get("/docs")
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()
        assert (await http.get("/media/hls/x/master.m3u8")).status_code in (403, 404)
        assert (await http.get("/dev/no-such-page")).status_code == 404
        posted = await http.post("/films/123")  # only GET and HEAD load the page
        assert posted.status_code in (404, 405)
        assert INDEX not in posted.text


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..\\secret.txt",
    ],
)
async def test_nothing_outside_the_build_is_served(serving, dist, path):
    async with serving(dist) as http:
        response = await http.get(httpx.URL("http://127.0.0.1:8000").copy_with(raw_path=path.encode()))
        assert "not for the web" not in response.text
        assert response.status_code in (200, 400, 404)


async def test_a_symlink_out_of_the_build_is_not_followed(serving, dist, tmp_path):
    (dist / "escape.txt").symlink_to(tmp_path / "secret.txt")
    async with serving(dist) as http:
        response = await http.get("/escape.txt")
        assert "not for the web" not in response.text


async def test_without_a_build_the_root_says_how_to_get_it(serving, tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    async with serving(empty) as http:
        root = await http.get("/")
        assert root.status_code == 200
        assert "not built" in root.text
        assert "Node.js 20+" in root.text
        assert "make run" in root.text
        assert "make web" in root.text
        route = await http.get("/films/1")
        assert route.status_code == 404
        assert "not built" in route.text
        assert (await http.get("/api/v1/health")).status_code == 200
    line = web.console_line(Settings(web_dist=empty))
    assert "not built" in line
    assert "Node.js 20+" in line


def test_the_console_names_the_build_and_the_default_is_the_repositorys(dist):
    assert str(dist.resolve()) in web.console_line(Settings(web_dist=dist))
    repository = Path(__file__).parents[2]
    assert web.dist_folder(Settings(web_dist=None)) == repository / "web" / "dist"


def test_browser_origins_cover_the_app_its_loopback_alias_and_the_cors_origins():
    settings = Settings(
        port=8000, cors_origins=["http://localhost:5173"], web_url="https://cinema.example/app"
    )
    assert web.browser_origins(settings) == [
        "http://127.0.0.1:8000",
        "https://cinema.example",
        "http://localhost:8000",
        "http://localhost:5173",
    ]
