"""Profile request and response bodies."""

import uuid
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from cinema.core.schemas import ApiModel
from cinema.profiles.models import NAME_MAX

AgeRating = Literal["0+", "6+", "12+", "16+", "18+"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$"), Field(description="four digits")]


class ProfileOut(ApiModel):
    id: uuid.UUID
    name: str
    max_age_rating: AgeRating = Field(
        description="films above it are hidden from the profile, or refused (403)"
    )
    is_kids: bool = Field(description="a child's profile: a simpler look, at most 12+")
    has_pin: bool = Field(description="changing or deleting the profile needs its PIN")


class ProfilesOut(ApiModel):
    items: list[ProfileOut] = Field(description="the account's profiles, its default (the first made) first")


class ProfileIn(ApiModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    name: Name
    max_age_rating: AgeRating | None = Field(None, description='default "6+" for a kids profile, else "18+"')
    is_kids: StrictBool = False
    pin: Pin | None = Field(None, description="protects the profile: changing or deleting it will need it")


class ProfileChange(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    max_age_rating: AgeRating | None = None
    is_kids: StrictBool | None = None
    pin: Pin | None = Field(None, description="the profile's current PIN, required when it has one")
    new_pin: Pin | None = Field(None, description="a new PIN; null removes the PIN")
