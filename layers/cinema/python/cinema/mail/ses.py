"""Mail in AWS through SES. boto3 is synchronous, so it runs in a worker thread: the import of
boto3 and the client's build on first use (a fraction of a second) as well as every send."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from cinema.mail.mailer import Mail


class SesMailer:
    def __init__(self, *, sender: str, region: str, client: Any = None) -> None:
        self.sender = sender
        self.region = region
        self._client = client
        self._building = threading.Lock()

    def client(self) -> Any:
        """Blocking (call it in a worker thread): the SES client, built on first use."""
        with self._building:
            if self._client is None:
                import boto3  # noqa: PLC0415 - in the worker thread, where SES is used

                self._client = boto3.client("sesv2", region_name=self.region)
            return self._client

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(
            lambda: self.client().send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [mail.to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": mail.text, "Charset": "UTF-8"}},
                    }
                },
            )
        )
