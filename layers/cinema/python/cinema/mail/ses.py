"""Mail in AWS through SES. boto3 is synchronous, so it runs in a worker thread."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3

from cinema.mail.mailer import Mail


class SesMailer:
    def __init__(self, *, sender: str, region: str, client: Any = None) -> None:
        self.sender = sender
        self._client = client or boto3.client("sesv2", region_name=region)

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(
            self._client.send_email,
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [mail.to]},
            Content={
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": mail.text, "Charset": "UTF-8"}},
                }
            },
        )
