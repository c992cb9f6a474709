"""GET /admin/stats: the staff dashboard's figures, each from the public function of the domain
that owns them (views: catalog, revenue: payments, sign-ups: auth)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from cinema.auth import signups
from cinema.auth.dependencies import AdminUser
from cinema.catalog import popularity
from cinema.catalog.staff_schemas import DayRevenue, DaySignups, DayViews, StatsOut, TopFilm
from cinema.core.db import DbSession

router = APIRouter(prefix="/admin", tags=["admin stats"])


@router.get(
    "/stats",
    response_model=StatsOut,
    summary="Views, revenue, sign-ups per day and the most viewed films of the last `days` days",
    responses={
        401: {"description": "missing or invalid access token"},
        403: {"description": "not an admin"},
        422: {"description": "`days` outside 1..365"},
    },
)
async def stats(
    _: AdminUser,
    db: DbSession,
    days: Annotated[
        int, Query(ge=1, le=365, description="the period: this many days up to today (UTC)")
    ] = 30,
) -> StatsOut:
    # The dashboard is the admin function's only reader of the payments tables: their mappers
    # (~8 ms) load on its first call instead of in every cold start of the function.
    from cinema.payments import revenue  # noqa: PLC0415

    today = popularity.today()
    period = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    return StatsOut(
        days=days,
        views_per_day=[DayViews(date=d, views=n) for d, n in await popularity.views_per_day(db, period)],
        revenue_per_day=[
            DayRevenue(date=d, currency=c, amount=a) for d, c, a in await revenue.per_day(db, period)
        ],
        signups_per_day=[DaySignups(date=d, count=n) for d, n in await signups.signups_per_day(db, period)],
        top_films=[
            TopFilm(film_id=i, title=t, views=n) for i, t, n in await popularity.top_films(db, period)
        ],
    )
