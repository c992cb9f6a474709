"""The `cinema` command: serve the local platform, migrate, create an admin."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys

import typer

from cinema.core.settings import get_settings

app = typer.Typer(help="Cinema: an online cinema platform.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: str = typer.Option(None, help="bind address (CINEMA_HOST)"),
    port: int = typer.Option(None, help="port (CINEMA_PORT)"),
) -> None:
    """Run the whole platform on this machine: embedded services, migrations, admin, API."""
    from cinema.local.stack import run  # noqa: PLC0415 - the local stack is heavy; only serve needs it

    if host:
        os.environ["CINEMA_HOST"] = host
    if port:
        os.environ["CINEMA_PORT"] = str(port)
    get_settings.cache_clear()
    raise typer.Exit(run())


def _database_url() -> str:
    url = get_settings().database_url
    if not url:
        typer.echo(
            "CINEMA_DATABASE_URL is not set (`cinema serve` sets it for its embedded server).", err=True
        )
        raise typer.Exit(2)
    return url


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from cinema.core import migrate  # noqa: PLC0415

    migrate.upgrade(_database_url(), revision)
    typer.echo(f"database at {revision}")


@app.command("create-admin")
def create_admin(
    email: str,
    password: str = typer.Option(None, help="read from CINEMA_ADMIN_PASSWORD or asked for when omitted"),
    display_name: str = typer.Option("Admin"),
) -> None:
    """Create an administrator (or promote an existing account and set its password)."""
    from cinema.auth import bootstrap  # noqa: PLC0415

    secret = password or get_settings().admin_password.get_secret_value() or getpass.getpass("Password: ")
    try:
        user_id = asyncio.run(bootstrap.ensure_admin(email=email, password=secret, display_name=display_name))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"admin {email} ({user_id})")


@app.command()
def seed(
    demo: bool = typer.Option(False, "--demo", help="the demo catalog (200+ films, offline)"),
    synthetic: int = typer.Option(
        0, "--synthetic", min=0, max=2_000_000, help="N synthetic films for benchmarks"
    ),
) -> None:
    """Load films into the catalog; running it twice adds nothing twice."""
    if not demo and not synthetic:
        typer.echo("nothing to do: pass --demo and/or --synthetic N", err=True)
        raise typer.Exit(2)
    _database_url()
    from cinema.catalog import seed_commands  # noqa: PLC0415

    if demo:
        from cinema.local.demo_catalog import demo_catalog  # noqa: PLC0415 - data of the local stack

        added = asyncio.run(seed_commands.run_demo(demo_catalog()))
        typer.echo(f"demo catalog: {added} films added")
    if synthetic:
        added = asyncio.run(
            seed_commands.run_synthetic(synthetic, progress=seed_commands.ProgressLine(sys.stderr))
        )
        typer.echo(f"synthetic catalog: {added} films added")


@app.command()
def openapi(out: str = typer.Option("-", help="file to write, - for standard output")) -> None:
    """Print the OpenAPI document of the whole API (the web app's client is generated from it)."""
    import json  # noqa: PLC0415

    from cinema.local.app import create_app  # noqa: PLC0415 - every module's routers in one app

    document = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if out == "-":
        typer.echo(document, nl=False)
    else:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(document)


def main() -> None:
    app()
