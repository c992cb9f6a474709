"""The local stack's scheduled work: the jobs EventBridge Scheduler invokes in AWS run on a timer
in the one process, started and stopped with the app (`make run`), through the same entry."""

from __future__ import annotations

import asyncio
import logging
import uuid

from sqlalchemy import text

from cinema.catalog import jobs, popularity
from cinema.core import db
from cinema.local import periodic, stack


async def _views(film_id: str, count: int) -> None:
    async with db.session_factory()() as session:
        for _ in range(count):
            await popularity.record_view(session, uuid.UUID(film_id))
        await session.commit()


async def _popularity(film_id: str) -> int:
    async with db.engine().connect() as conn:
        return (
            await conn.execute(text("SELECT popularity FROM films WHERE id = :id"), {"id": film_id})
        ).scalar_one()


async def _until(film_id: str, expected: int, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while await _popularity(film_id) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"popularity never became {expected}"
        await asyncio.sleep(0.02)


async def test_the_refresh_runs_at_start_then_on_every_tick_and_stops(catalog):
    film = await catalog.film(title="Ticking")
    await _views(film["id"], 2)
    tasks = periodic.start({"refresh-popularity": 0.05})
    try:
        await _until(film["id"], 2)  # at start: views came in while the server was down
        await _views(film["id"], 3)
        await _until(film["id"], 5)  # a later tick
    finally:
        await periodic.stop(tasks)
    assert all(task.done() for task in tasks)
    assert [task.get_name() for task in tasks] == ["scheduled:refresh-popularity"]


async def test_a_failing_run_does_not_end_the_schedule(catalog, monkeypatch, caplog):
    film = await catalog.film(title="Flaky")
    await _views(film["id"], 1)
    real, calls = jobs.JOBS["refresh-popularity"], []

    async def flaky() -> dict:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the database restarted")
        return await real()

    monkeypatch.setitem(jobs.JOBS, "refresh-popularity", flaky)
    with caplog.at_level(logging.ERROR, logger="cinema.local.periodic"):
        tasks = periodic.start({"refresh-popularity": 0.05})
        try:
            await _until(film["id"], 1)
        finally:
            await periodic.stop(tasks)
    assert len(calls) >= 2
    assert "scheduled job refresh-popularity failed" in caplog.text


def test_the_local_app_schedules_what_aws_schedules():
    # every catalog job on the local timer, at the period template.yaml's schedule has
    assert dict(periodic.SCHEDULE) == {
        "refresh-popularity": jobs.POPULARITY_EVERY_S,
        "refresh-similar": jobs.SIMILAR_EVERY_S,
    }
    assert set(periodic.SCHEDULE) == set(jobs.JOBS)


async def test_serve_runs_the_schedule_for_as_long_as_it_serves(monkeypatch, catalog):
    film = await catalog.film(title="Served")
    await _views(film["id"], 4)
    monkeypatch.setattr(periodic, "SCHEDULE", {"refresh-popularity": 0.05})
    app = stack.serving_app()  # what `cinema serve` (`make run`) hands to uvicorn
    async with app.router.lifespan_context(app):  # uvicorn's lifespan="on"
        await _until(film["id"], 4)
        assert any(t.get_name() == "scheduled:refresh-popularity" for t in asyncio.all_tasks())
    assert not any(t.get_name().startswith("scheduled:") for t in asyncio.all_tasks())
