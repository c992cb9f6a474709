"""The profile a request acts for, and the age limit catalog reads apply.

Work in progress (issue 16): `viewer_age_limit` answers NO_LIMIT until profile selection
(`X-Profile-Id`, the account's first profile by default) lands in this module; routes that
show films already take `AgeLimit` so they need no change then.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cinema.profiles.age import NO_LIMIT


async def viewer_age_limit(request: Request) -> str:
    """The highest age rating the calling profile may see ("18+" for anonymous callers)."""
    return NO_LIMIT


AgeLimit = Annotated[str, Depends(viewer_age_limit)]
