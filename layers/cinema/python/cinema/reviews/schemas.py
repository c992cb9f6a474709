"""Review and rating request and response bodies. Texts are plain text, stored as given."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from cinema.core.json_types import whole_number
from cinema.core.schemas import ApiModel
from cinema.core.text import plain_text
from cinema.reviews.models import BODY_MAX, TITLE_MAX

PLAIN_TEXT = "Plain text, stored exactly as given: consumers must escape it (never render it as HTML)."


Score = whole_number(ge=1, le=10, description="a whole number 1..10")
# Not blank (some visible character), no control characters (the body keeps line breaks and
# tabs), otherwise kept exactly as sent.
Title = Annotated[
    str,
    plain_text(min_length=1, max_length=TITLE_MAX, not_blank=True),
    Field(description=f"Optional headline, up to {TITLE_MAX} characters. {PLAIN_TEXT}"),
]
Body = Annotated[
    str,
    plain_text(min_length=1, max_length=BODY_MAX, not_blank=True, multiline=True),
    Field(description=f"1..{BODY_MAX} characters, not blank. {PLAIN_TEXT}"),
]


class ReviewIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body
    score: Score | None = Field(default=None, description="also sets (or changes) your rating of the film")


class ReviewPatch(ApiModel):
    """The author edits `title` (null clears it) and `body`; staff set `hidden`."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    # Either may be left out, neither may be null (the document says so: no null in their types).
    body: Body | SkipJsonSchema[None] = None
    hidden: bool | SkipJsonSchema[None] = Field(default=None, description="moderators and admins only")

    @model_validator(mode="after")
    def _no_null_body_or_flag(self) -> Self:
        for field in ("body", "hidden"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} may not be null")
        return self


class AuthorOut(ApiModel):
    id: uuid.UUID
    display_name: str = Field(description=PLAIN_TEXT)


class ReviewOut(ApiModel):
    id: uuid.UUID
    film_id: uuid.UUID
    author: AuthorOut
    title: str | None = Field(description=PLAIN_TEXT)
    body: str = Field(description=PLAIN_TEXT)
    score: int | None = Field(description="the author's current rating of the film, if any")
    hidden: bool = Field(description="hidden by a moderator: only its author and staff see it")
    created_at: datetime
    updated_at: datetime


class FilmRef(ApiModel):
    id: uuid.UUID
    title: str


class QueuedReviewOut(ReviewOut):
    """A review in the moderation queue: with the film it is about."""

    film: FilmRef


class RatingIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    score: Score


class RatingOut(ApiModel):
    film_id: uuid.UUID
    score: int | None = Field(description="your rating; null when you have not rated the film")
    rating_avg: float
    rating_count: int
