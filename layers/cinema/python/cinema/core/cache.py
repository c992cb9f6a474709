"""The Redis client, created lazily and shared; callers treat Redis as best-effort."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from cinema.core.settings import get_settings

_client: Redis | None = None
_down_until = 0.0
DOWN_BACKOFF_S = 5.0


def client() -> Redis | None:
    """The shared client, or None while Redis is known to be unreachable.

    Short timeouts keep a dead Redis from stalling requests; after a failure callers skip
    Redis for a few seconds instead of paying a connect timeout on every request.
    """
    global _client  # noqa: PLW0603 - one client per container
    if time.monotonic() < _down_until:
        return None
    if _client is None:
        url = get_settings().redis_url
        if not url:
            return None
        _client = Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.5, health_check_interval=30
        )
    return _client


def mark_down() -> None:
    global _down_until  # noqa: PLW0603
    _down_until = time.monotonic() + DOWN_BACKOFF_S


def reset() -> None:
    global _client, _down_until
    _client, _down_until = None, 0.0


async def ping() -> bool:
    redis = client()
    if redis is None:
        return False
    try:
        return bool(await redis.ping())
    except (RedisError, OSError):
        mark_down()
        return False


async def close() -> None:
    """Close the shared client (at the end of an `asyncio.run` whose loop its connections belong to)."""
    if _client is not None:
        await _client.aclose()
    reset()


def script_sha(script: str) -> str:
    """The name Redis gives a Lua script (EVALSHA calls it by this, not by its text)."""
    return hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()


class _Turn:
    """The commands issued in one turn of the event loop, sent as one pipeline when the
    turn ends: under load a round trip serves many requests, and a command costs a fraction
    of what a command of its own costs in redis-py (its per-call wrappers included). The
    GETs of the turn (`read`: every authenticated request reads its caller's auth state) go
    as one MGET at the head of the same pipeline, so a route's own command (a heartbeat, the
    view marker of /play) rides with the reads of the requests that arrived meanwhile instead
    of paying a round trip, a socket write and a pipeline of its own."""

    def __init__(self, loop: asyncio.AbstractEventLoop, redis: Redis) -> None:
        self.loop, self.redis = loop, redis
        self.commands: list[tuple[tuple[object, ...], asyncio.Future[object]]] = []
        self.reads: dict[str, list[asyncio.Future[object]]] = {}
        self.scripts: dict[str, str] = {}
        self.queued = False

    def add(self, command: tuple[object, ...]) -> asyncio.Future[object]:
        waiter: asyncio.Future[object] = self.loop.create_future()
        self._queue()
        self.commands.append((command, waiter))
        return waiter

    def read(self, key: str) -> asyncio.Future[object]:
        waiter: asyncio.Future[object] = self.loop.create_future()
        self._queue()
        self.reads.setdefault(key, []).append(waiter)
        return waiter

    def _queue(self) -> None:
        if not self.queued:
            self.queued = True
            self.loop.call_soon(self._send)

    def _send(self) -> None:
        self.queued = False
        commands, self.commands = self.commands, []
        reads, self.reads = self.reads, {}
        task = self.loop.create_task(self._run(commands, reads))
        _sending.add(task)
        task.add_done_callback(_sending.discard)

    async def _pipeline(self, commands: list[tuple[object, ...]]) -> list[object]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return await pipe.execute(raise_on_error=False)

    async def _run(
        self,
        commands: list[tuple[tuple[object, ...], asyncio.Future[object]]],
        reads: dict[str, list[asyncio.Future[object]]],
    ) -> None:
        head = [("MGET", *reads)] if reads else []
        try:
            if commands:
                results = await self._pipeline([*head, *(command for command, _ in commands)])
            else:  # reads alone: one command costs less in redis-py than a pipeline of one
                results = [await self.redis.execute_command(*head[0])]
            read = results[0] if head else None
            results = results[len(head) :]
            unknown = [n for n, r in enumerate(results) if isinstance(r, NoScriptError)]
            if unknown:  # a new or restarted Redis: load the scripts, then run those again
                for script in self.scripts.values():
                    await self.redis.script_load(script)
                again = await self._pipeline([commands[n][0] for n in unknown])
                for n, result in zip(unknown, again, strict=True):
                    results[n] = result
        except BaseException as exc:
            # Nobody is left waiting, even when this task is cancelled (the loop is closing).
            error = exc if isinstance(exc, Exception) else RedisError(repr(exc))
            for waiter in (*(w for _, w in commands), *(w for ws in reads.values() for w in ws)):
                if not waiter.done():
                    waiter.set_exception(error)
            if not isinstance(exc, Exception):
                raise
            return
        if isinstance(read, Exception):
            _settle([(waiter, read) for waiters in reads.values() for waiter in waiters])
        elif head:
            values = zip(reads.values(), read, strict=True)  # type: ignore[call-overload]
            _settle([(waiter, value) for waiters, value in values for waiter in waiters])
        _settle([(waiter, result) for (_, waiter), result in zip(commands, results, strict=True)])


def _settle(outcomes: list[tuple[asyncio.Future[object], object]]) -> None:
    for waiter, result in outcomes:
        if waiter.done():
            continue
        if isinstance(result, Exception):
            waiter.set_exception(result)
        else:
            waiter.set_result(result)


_turns: dict[int, _Turn] = {}
_sending: set[asyncio.Task[None]] = set()


def _turn(redis: Redis) -> _Turn:
    loop = asyncio.get_running_loop()
    turn = _turns.get(id(loop))
    if turn is None or turn.loop is not loop or turn.redis is not redis:
        _turns.clear()  # one loop and one client per process at a time
        turn = _turns[id(loop)] = _Turn(loop, redis)
    return turn


def pipelined(
    redis: Redis, *command: object, scripts: Mapping[str, str] | None = None
) -> asyncio.Future[object]:
    """Sends `command` (e.g. `"SET", key, value, "EX", 60`) with the other commands of this
    turn of the event loop, in one pipeline. `scripts` (sha -> Lua) are loaded when Redis
    does not know a script an EVALSHA names. Errors come back as exceptions of the waiter."""
    turn = _turn(redis)
    if scripts:
        turn.scripts.update(scripts)
    return turn.add(command)


def pipelined_get(redis: Redis, key: str) -> asyncio.Future[bytes | None]:
    """GET `key` with the other reads of this turn of the event loop (one MGET), in the same
    pipeline as `pipelined` commands. Sent after every request of the turn arrived: it sees
    whatever was written before them, as a GET of its own would."""
    return _turn(redis).read(key)  # type: ignore[return-value]
