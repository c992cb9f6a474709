"""Mail on one machine: each message is a JSON file in the outbox folder, listed at /dev/outbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cinema.mail.mailer import Mail


class OutboxMailer:
    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._write, mail)

    def _write(self, mail: Mail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        message_id = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        record = {
            "id": message_id,
            "from": self.sender,
            "to": mail.to,
            "subject": mail.subject,
            "text": mail.text,
            "sent_at": now.isoformat(),
        }
        tmp = self.folder / f".{message_id}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.folder / f"{message_id}.json")  # readers never see half a message


def read_outbox(folder: Path, *, to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Messages newest first (file names start with the send time)."""
    if not folder.is_dir():
        return []
    messages: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        record = json.loads(path.read_text(encoding="utf-8"))
        if to is None or record["to"].lower() == to.lower():
            messages.append(record)
        if len(messages) >= limit:
            break
    return messages
