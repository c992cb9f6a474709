"""Plans, subscriptions and film purchases: what a user holds, which every playback path asks
(entitlements.py). Stripe's records (the customer of each user, the payment history, the
webhook events already applied) are in ledger_models.py: only the payments function and the
staff's revenue figures need those tables."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cinema.auth import models as _users  # noqa: F401 - tables our foreign keys name
from cinema.catalog import models as _catalog  # noqa: F401
from cinema.core.db import Base
from cinema.core.models import Timestamps, UuidPk


class Interval(StrEnum):
    month = "month"
    year = "year"


class PaymentKind(StrEnum):
    subscription = "subscription"
    film = "film"


class PaymentStatus(StrEnum):
    """Ordered: a payment only ever moves up this list (a late 'failed' never undoes 'paid')."""

    pending = "pending"
    failed = "failed"
    paid = "paid"
    refunded = "refunded"


class PurchaseStatus(StrEnum):
    paid = "paid"
    refunded = "refunded"  # final: a late checkout.session.completed does not grant again


PAYMENT_RANK = {status: rank for rank, status in enumerate(PaymentStatus)}

# A subscription's statuses in lifecycle order, and those it never leaves (billing.py's ordering).
SUBSCRIPTION_STATUS_RANK = {
    "incomplete": 0,
    "trialing": 1,
    "active": 2,
    "paused": 3,
    "past_due": 4,
    "unpaid": 5,
    "incomplete_expired": 6,
    "canceled": 7,
}
TERMINAL_STATUSES = frozenset({"canceled", "incomplete_expired"})


def _enum(kind: type[StrEnum], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, create_constraint=False, length=length)


class Plan(UuidPk, Timestamps, Base):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("interval IN ('month', 'year')", name="interval"),
        CheckConstraint("price_amount > 0", name="price_amount"),
    )

    name: Mapped[str] = mapped_column(String(80), nullable=False)
    interval: Mapped[Interval] = mapped_column(_enum(Interval, 8), nullable=False)
    price_amount: Mapped[int] = mapped_column(Integer, nullable=False)  # minor units
    price_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    stripe_price_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class Subscription(UuidPk, Timestamps, Base):
    """Stripe's subscription as last reported. `version` is the `created` time of the event
    whose snapshot is applied (0 for the provisional row a checkout or an invoice makes
    before any snapshot arrives); older snapshots never overwrite newer ones."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_user_id", "user_id", "status"),)

    stripe_subscription_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("plans.id", ondelete="RESTRICT")
    )
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    current_period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")

    plan: Mapped[Plan | None] = relationship(lazy="raise")


# A bought film; films that were bought cannot be deleted (RESTRICT), only unpublished. A plain
# Table: only Core statements read and write purchases, so no mapper to build at each cold start.
purchases = Table(
    "purchases",
    Base.metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("film_id", UUID(as_uuid=True), ForeignKey("films.id", ondelete="RESTRICT"), nullable=False),
    Column("status", _enum(PurchaseStatus), nullable=False),
    Column("stripe_payment_intent_id", String(255), nullable=False, unique=True),
    Column("stripe_checkout_session_id", String(255)),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("refunded_at", DateTime(timezone=True)),
    Column(
        "id",
        UUID(as_uuid=True),
        primary_key=True,
        default=uuid.uuid4,
        server_default=text("gen_random_uuid()"),
    ),
    CheckConstraint("status IN ('paid', 'refunded')", name="status"),
    Index("ix_purchases_user_id_film_id", "user_id", "film_id"),
    Index("ix_purchases_film_id", "film_id"),
)
