"""Stripe's records: the Stripe customer of each user, the payment history and the webhook
events already applied. Apart from the plans, subscriptions and purchases (models.py) that every
playback path reads: only the payments function and the staff's revenue figures declare these."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from cinema.auth import models as _users  # noqa: F401 - tables our foreign keys name
from cinema.catalog import models as _catalog  # noqa: F401
from cinema.core.db import Base
from cinema.core.models import UuidPk
from cinema.payments.models import PaymentKind, PaymentStatus  # and the plans table payments name


def _enum(kind: type[StrEnum], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, create_constraint=False, length=length)


# The one Stripe customer of a user: created on first checkout or portal visit, then reused. A
# plain Table: only Core statements read and write it, so no mapper to build at each cold start.
stripe_customers = Table(
    "stripe_customers",
    Base.metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("stripe_customer_id", String(255), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


class Payment(UuidPk, Base):
    """One line of a user's payment history: an invoice of a subscription or a film's payment
    intent. `created_at` is Stripe's time for the object, not when the webhook arrived."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("kind IN ('subscription', 'film')", name="kind"),
        CheckConstraint("status IN ('pending', 'failed', 'paid', 'refunded')", name="status"),
        CheckConstraint(
            "(kind = 'subscription' AND stripe_invoice_id IS NOT NULL)"
            " OR (kind = 'film' AND stripe_payment_intent_id IS NOT NULL)",
            name="stripe_ref",
        ),
        Index("ix_payments_user_id_created_at", "user_id", text("created_at DESC"), text("id DESC")),
        # Revenue per day (GET /admin/stats).
        Index("ix_payments_paid_created_at", "created_at", postgresql_where=text("status = 'paid'")),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[PaymentKind] = mapped_column(_enum(PaymentKind), nullable=False)
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_refunded: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    description: Mapped[str] = mapped_column(String(400), nullable=False, server_default="")
    film_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("films.id", ondelete="SET NULL")
    )
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("plans.id", ondelete="SET NULL")
    )
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


# A Stripe event already applied: inserted in the same transaction as its effect, so a redelivery
# finds it and changes nothing. A plain Table, as stripe_customers.
webhook_events = Table(
    "webhook_events",
    Base.metadata,
    Column("id", String(255), primary_key=True),  # evt_...
    Column("type", String(100), nullable=False),
    Column("object_id", String(255)),
    Column("received_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)
