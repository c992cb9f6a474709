"""What can go wrong with reviews and ratings, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import Conflict, Forbidden, NotFound


class ReviewNotFound(NotFound):
    detail = "review not found"


class ReviewExists(Conflict):
    detail = "you have already reviewed this film"


class NotReviewAuthor(Forbidden):
    detail = "only the author may edit this review"


class NotModerator(Forbidden):
    detail = "only moderators and admins may hide or unhide reviews"
