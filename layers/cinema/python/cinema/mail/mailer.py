"""The Mailer port: SES in AWS, a file outbox on one machine; chosen by settings."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Protocol

from cinema.core.settings import get_settings


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Mail(NamedTuple):
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


@lru_cache
def get_mailer() -> Mailer:
    settings = get_settings()
    if settings.mailer == "ses":
        from cinema.mail.ses import SesMailer  # noqa: PLC0415 - boto3 only where SES is used

        return SesMailer(sender=settings.mail_from, region=settings.aws_region)
    from cinema.mail.outbox import OutboxMailer  # noqa: PLC0415

    return OutboxMailer(settings.outbox_dir, sender=settings.mail_from)
