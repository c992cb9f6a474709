"""PostgreSQL drops every application connection mid-load (what an RDS failover does to the
pool): no request may fail for it."""

from __future__ import annotations

from tests.faults.conftest import FaultPlatform, ok, run_load, viewer_mix

TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = 'cinema' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


async def test_every_connection_terminated_mid_load_fails_no_request(platform: FaultPlatform) -> None:
    terminated: list[int] = []

    def failover() -> None:
        terminated.append(platform.sql(TERMINATE)[0][0])

    result = await run_load(
        platform.base,
        viewer_mix(platform),
        seconds=5,
        concurrency=12,
        # twice: the second finds the pool that the first one's failures refilled
        faults=[(1.5, "first", failover), (3.5, "second", failover)],
    )

    ok(result)
    assert terminated[0] > 0, terminated  # the pool's connections were there to lose
    assert len(result.after("second")) > 5, result.summary()  # and the platform kept serving
