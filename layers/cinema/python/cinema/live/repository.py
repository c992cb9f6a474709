"""Every live query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from cinema.live.models import LiveEvent, LiveStatus


async def get(db: AsyncSession, event_id: uuid.UUID, *, lock: bool = False) -> LiveEvent | None:
    query = select(LiveEvent).where(LiveEvent.id == event_id)
    if lock:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def by_key_hash(db: AsyncSession, key_hash: str) -> LiveEvent | None:
    query = select(LiveEvent).where(LiveEvent.key_hash == key_hash).with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


async def live_by_publisher(db: AsyncSession, publisher: str) -> LiveEvent | None:
    query = (
        select(LiveEvent)
        .where(LiveEvent.status == LiveStatus.live, LiveEvent.publisher == publisher)
        .with_for_update()
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def page(
    db: AsyncSession,
    *,
    statuses: Sequence[LiveStatus] | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[LiveEvent], int]:
    """Newest first, in (created_at, id) order, with the total of the filter."""
    conditions = [LiveEvent.status.in_(statuses)] if statuses else []
    total = (await db.execute(select(func.count()).select_from(LiveEvent).where(*conditions))).scalar_one()
    query = select(LiveEvent).where(*conditions)
    if after is not None:
        query = query.where(tuple_(LiveEvent.created_at, LiveEvent.id) < tuple_(after[0], after[1]))
    query = query.order_by(LiveEvent.created_at.desc(), LiveEvent.id.desc()).limit(limit + 1)
    return list((await db.execute(query)).scalars().all()), int(total)
