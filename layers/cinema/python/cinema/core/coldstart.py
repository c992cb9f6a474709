"""Garbage collection during a Lambda cold start, and once a long-running server has loaded.

Loading a function only allocates: some 110,000 long-lived objects (modules, classes, the
tables, schemas and routes declared at import), and next to no garbage (a few hundred objects
over the whole load). With the collector on, CPython still walks the growing heap again and
again; two full collections alone cost 80-170 ms of CPU, a tenth of the cold start, and
whether the second one happens depends on where the load crosses a threshold, not on the work
done. So each handler turns the collector off before its first import (functions/*/handler.py)
and `loaded` ends that once the app is built: what was loaded moves to the permanent
generation, which no later collection walks (a warm invocation's collections stay small), and
collection goes on as usual from there.
"""

from __future__ import annotations

import gc


def loaded() -> None:
    """The function has loaded: freeze its heap and turn the collector back on. Nothing to do
    where the collector was never turned off (an app built in a test or a tool's process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def serving() -> None:
    """A long-running server (`cinema serve`) is about to take requests: what it loaded is
    moved to the permanent generation too. Otherwise the first full collection under load
    walks those ~110,000 objects while requests wait: 55-65 ms of a stalled event loop, the
    slowest film page of bench/login_storm.py's storm (10 ms with the heap frozen)."""
    gc.collect()
    gc.freeze()
