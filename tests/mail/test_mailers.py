from __future__ import annotations

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sesv2.models import sesv2_backends

from cinema.core.settings import get_settings
from cinema.mail.mailer import Mail, get_mailer
from cinema.mail.outbox import OutboxMailer, read_outbox
from cinema.mail.ses import SesMailer


async def test_ses_mailer_sends_plain_text_utf8():
    with mock_aws():
        client = boto3.client("sesv2", region_name="eu-central-1")
        client.create_email_identity(EmailIdentity="no-reply@kino.io")
        mailer = SesMailer(sender="no-reply@kino.io", region="eu-central-1", client=client)
        await mailer.send(Mail(to="viewer@kino.io", subject="Сброс пароля", text="Ваша ссылка: …"))
        sent = sesv2_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].core_backend.sent_messages
    assert len(sent) == 1
    assert sent[0].destinations["ToAddresses"] == ["viewer@kino.io"]
    assert sent[0].subject == "Сброс пароля"


async def test_outbox_keeps_messages_newest_first_and_filters(tmp_path):
    mailer = OutboxMailer(tmp_path / "outbox", sender="x@kino.io")
    await mailer.send(Mail(to="a@kino.io", subject="first", text="1"))
    await mailer.send(Mail(to="B@kino.io", subject="second", text="2"))
    assert [m["subject"] for m in read_outbox(tmp_path / "outbox")] == ["second", "first"]
    assert [m["subject"] for m in read_outbox(tmp_path / "outbox", to="b@kino.io")] == ["second"]
    assert read_outbox(tmp_path / "missing") == []


def test_the_mailer_follows_the_settings(monkeypatch):
    get_mailer.cache_clear()
    monkeypatch.setattr(get_settings(), "mailer", "ses")
    try:
        with mock_aws():
            assert isinstance(get_mailer(), SesMailer)
    finally:
        get_mailer.cache_clear()
        monkeypatch.undo()
    assert isinstance(get_mailer(), OutboxMailer)
