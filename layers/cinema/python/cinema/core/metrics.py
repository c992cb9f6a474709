"""The business figures as CloudWatch metrics: counted in memory, flushed as EMF per invocation.

`count(name, **dimensions)` adds one to a counter in a dict and nothing else, so it may sit on
the hottest routes (a heartbeat, /play). Counting is on only in a Lambda function: building
its handler (core.lambda_http, core.lambda_events) calls `start`, and the handler calls
`flush` when each invocation ends, which prints one Embedded Metric Format line per set of
dimensions through Powertools' Metrics (namespace POWERTOOLS_METRICS_NAMESPACE, "Cinema" by
default; Powertools adds the function's `service` dimension; POWERTOOLS_METRICS_DISABLED
turns the printing off). CloudWatch Logs turns those lines into metrics: no API call, no
latency. On one machine (`cinema serve`, tools, tests) nothing starts counting: `count`
returns at once and the figures go nowhere (`recording` counts them for a test).

The figures (all Count, the alarms and the dashboard of template.yaml read these names):
    Signups                                     auth.service.register
    LoginsRefused  reason=bad_credentials|disabled|throttled   auth.service.login
    Plays                                       media.playback_router.play
    Heartbeats                                  media.playback_router.report_progress
    Checkouts      kind=film|subscription       payments.service.checkout
    Webhooks       type=<Stripe type>|other|unknown, outcome=accepted|duplicate|ignored|refused
                                                payments.webhooks
    Transcodes     outcome=complete|error|canceled|restarted   media.job_state_changes
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

log = logging.getLogger(__name__)

NAMESPACE = "Cinema"
Key = tuple[str, tuple[tuple[str, str], ...]]

_counts: dict[Key, int] | None = None  # None: not counting (the one-machine shape)
_metrics: Metrics | None = None


def key(name: str, **dimensions: str) -> Key:
    return name, tuple(sorted(dimensions.items()))


def count(name: str, **dimensions: str) -> None:
    """One more of `name` with these dimensions (low-cardinality values only)."""
    counts = _counts
    if counts is None:
        return
    figure = (name, tuple(sorted(dimensions.items())) if dimensions else ())
    counts[figure] = counts.get(figure, 0) + 1


def start(service: str) -> None:
    """Counts from now on and flushes through Powertools' Metrics (a Lambda function's load)."""
    global _counts, _metrics  # noqa: PLW0603 - one set of counters per process
    # Loaded with the Logger a function builds first (aws_lambda_powertools/__init__): no cost
    # there; the one-machine shape, which never counts, does not load Powertools for it.
    from aws_lambda_powertools import Metrics  # noqa: PLC0415

    _metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE, service=service)
    if _counts is None:
        _counts = {}


def flush() -> None:
    """Prints what was counted since the last flush as EMF, one line per set of dimensions, and
    forgets it. Never raises: a figure lost is better than an invocation failed."""
    counts, metrics = _counts, _metrics
    if not counts or metrics is None:
        return
    taken = dict(counts)
    counts.clear()
    groups: dict[tuple[tuple[str, str], ...], list[tuple[str, int]]] = {}
    for (name, dimensions), value in taken.items():
        groups.setdefault(dimensions, []).append((name, value))
    try:
        for dimensions, figures in groups.items():
            for dimension, value in dimensions:
                metrics.add_dimension(name=dimension, value=value)
            for name, total in figures:
                metrics.add_metric(name=name, unit="Count", value=total)
            metrics.flush_metrics()
            metrics.clear_metrics()  # flush_metrics keeps them when POWERTOOLS_METRICS_DISABLED is set
    except Exception:  # a bad name or dimension: logged, and the next flush starts clean
        log.exception("metrics not flushed")
        metrics.clear_metrics()


class Recorded:
    """What was counted inside `recording()`."""

    def __init__(self, counts: dict[Key, int]) -> None:
        self.counts = counts

    def __getitem__(self, figure: Key) -> int:
        return self.counts.get(figure, 0)

    def total(self, name: str) -> int:
        return sum(value for (counted, _), value in self.counts.items() if counted == name)


@contextmanager
def recording() -> Iterator[Recorded]:
    """Counts inside the block, whatever the shape (tests), into a fresh set of counters."""
    global _counts  # noqa: PLW0603 - swapped for the block, put back after it
    before, _counts = _counts, {}
    try:
        yield Recorded(_counts)
    finally:
        _counts = before
