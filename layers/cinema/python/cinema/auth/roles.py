"""Roles, ordered: user < moderator < admin."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    user = "user"
    moderator = "moderator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.user: 0, Role.moderator: 1, Role.admin: 2}
STAFF = frozenset({Role.moderator, Role.admin})
