"""The profiles domain's errors."""

from cinema.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable


class ProfileNotFound(NotFound):
    detail = "no such profile"


class ProfileHeaderInvalid(Unprocessable):
    detail = "X-Profile-Id must be a profile id"
    loc = ("header", "X-Profile-Id")


class TooManyProfiles(Conflict):
    detail = "an account has at most 5 profiles"


class LastProfile(Conflict):
    detail = "the last profile of an account cannot be deleted"


class PinRequired(Forbidden):
    detail = "this profile is protected: send its PIN"


class WrongPin(Forbidden):
    detail = "wrong PIN"


class PinAttemptsUsedUp(TooManyRequests):
    detail = "too many wrong PINs for this profile: try again later"


class KidsAgeLimit(Unprocessable):
    detail = "a kids profile may see films up to 12+ only"
    loc = ("body", "max_age_rating")


class AgeRestricted(Forbidden):
    detail = "this film is above the age limit of the profile"
