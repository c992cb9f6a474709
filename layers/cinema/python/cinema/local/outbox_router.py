"""GET /dev/outbox: the mail the platform sent, on one machine only (never in Lambda).

It holds every reset link: mounted on a loopback bind only, and answered only to this machine
(see local/dev_tools.py)."""

from __future__ import annotations

import asyncio
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from cinema.core.settings import get_settings
from cinema.local.dev_tools import this_machine_only
from cinema.mail.outbox import read_outbox

router = APIRouter(prefix="/dev", tags=["local development"], dependencies=[Depends(this_machine_only)])


@router.get("/outbox", summary="Mail sent by the platform, newest first")
async def outbox(
    to: Annotated[str | None, Query(max_length=320, description="only mail to this address")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    messages = await asyncio.to_thread(read_outbox, get_settings().outbox_dir, to=to, limit=limit)
    return {"items": messages, "total": len(messages)}


@router.get("/outbox.html", response_class=HTMLResponse, summary="The outbox as a page")
async def outbox_page(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> HTMLResponse:
    messages = await asyncio.to_thread(read_outbox, get_settings().outbox_dir, limit=limit)
    rows = "".join(
        f"<article><h2>{escape(m['subject'])}</h2><p><b>To:</b> {escape(m['to'])} · {escape(m['sent_at'])}</p>"
        f"<pre>{escape(m['text'])}</pre></article>"
        for m in messages
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>Cinema outbox</title>"
        "<style>body{font:15px system-ui;max-width:60em;margin:2em auto}article{border-bottom:1px solid #ccc}"
        "pre{white-space:pre-wrap}</style>"
        f"<h1>Outbox ({len(messages)})</h1>{rows or '<p>No mail yet.</p>'}"
    )
    return HTMLResponse(
        page, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    )
