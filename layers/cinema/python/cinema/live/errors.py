"""What can go wrong with live events, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import Conflict, Forbidden, NotFound


class LiveEventNotFound(NotFound):
    detail = "live event not found"


class LiveEventEnded(Conflict):
    detail = "this live event has already ended"


class NotOnAir(Conflict):
    detail = "this live event is not on air"


class PublishRefused(Forbidden):
    """Every refusal of a hook answers the same: nginx only needs "no", and a caller probing
    keys learns nothing about why."""

    detail = "refused"
