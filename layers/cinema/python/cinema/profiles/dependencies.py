"""The profile a request acts for, and the age limit catalog reads apply.

A signed-in request names its profile in `X-Profile-Id`; without it the account's first
profile (its default) applies. The account's profiles come with its auth state
(cinema.auth.principals: Redis, no database session), so choosing one is a lookup in a tuple.
A profile of another account, or one deleted since, is a 404; a header that is not a UUID a
422. Anonymous callers have no profile and no age limit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, NamedTuple

from fastapi import Depends, Header, Request

from cinema.auth.dependencies import bearer, bearer_token, current_user
from cinema.auth.principals import Principal
from cinema.auth.roles import STAFF, Role
from cinema.core.openapi import answers
from cinema.profiles.age import NO_LIMIT, allows
from cinema.profiles.errors import AgeRestricted, ProfileHeaderInvalid, ProfileNotFound

HEADER = "X-Profile-Id"


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Viewer(NamedTuple):
    """A signed-in caller and the profile they act as."""

    user: Principal
    profile_id: uuid.UUID
    max_age_rating: str

    @property
    def id(self) -> uuid.UUID:  # the account: entitlements and payments are the account's
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    def check_age(self, film_age_rating: str) -> None:
        """403 when the film is above the profile's age limit."""
        if not allows(self.max_age_rating, film_age_rating):
            raise AgeRestricted()


def viewer_of(user: Principal, profile_header: str | uuid.UUID | None) -> Viewer:
    """The profile `profile_header` names among the account's, else the account's first."""
    if not user.profiles:  # every account has one (migration 0015's trigger): a stale state
        raise ProfileNotFound()
    if profile_header is None:
        profile_id, age = user.profiles[0]
        return Viewer(user, profile_id, age)
    try:
        wanted = profile_header if isinstance(profile_header, uuid.UUID) else uuid.UUID(profile_header)
    except ValueError:
        raise ProfileHeaderInvalid() from None
    for profile_id, age in user.profiles:
        if profile_id == wanted:
            return Viewer(user, profile_id, age)
    raise ProfileNotFound()


# A UUID or absent (never null: a header has no null), so the document says just that.
ProfileHeader = Annotated[
    uuid.UUID,
    Header(alias=HEADER, description="the profile this request is for; the account's first when absent"),
]


@answers(401, 403, 404)
async def current_viewer(
    user: Annotated[Principal, Depends(current_user)],
    x_profile_id: ProfileHeader = None,  # type: ignore[assignment]
) -> Viewer:
    return viewer_of(user, x_profile_id)


@answers(401, 403, 404)
async def optional_viewer(
    token: Annotated[str | None, Depends(bearer)],
    x_profile_id: ProfileHeader = None,  # type: ignore[assignment]
) -> Viewer | None:
    """For a read open to anonymous callers (None): a token that is sent must be valid, and a
    profile that is named must be the caller's."""
    return None if not token else viewer_of(await current_user(token), x_profile_id)


@answers(401, 403, 404)
async def viewer_age_limit(request: Request) -> str:
    """The highest age rating the calling profile may see ("18+" for anonymous callers)."""
    return (await audience(request)).max_age_rating


# A NamedTuple: a dataclass compiles its methods when declared, a millisecond of each cold start.
class Audience(NamedTuple):
    """Who a public read answers: staff see drafts; everyone their profile's age limit."""

    staff: bool
    max_age_rating: str


ANONYMOUS = Audience(staff=False, max_age_rating=NO_LIMIT)


async def audience(request: Request) -> Audience:
    """For the public catalog reads, from one auth-state lookup: anonymous callers see what
    is published, with no age limit; a token that is sent must be valid, and a profile that
    is named must be the caller's."""
    token = bearer_token(request)
    if token is None:
        return ANONYMOUS
    user = await current_user(token)
    return Audience(user.role in STAFF, viewer_of(user, request.headers.get(HEADER)).max_age_rating)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
OptionalViewer = Annotated[Viewer | None, Depends(optional_viewer)]
AgeLimit = Annotated[str, Depends(viewer_age_limit)]
