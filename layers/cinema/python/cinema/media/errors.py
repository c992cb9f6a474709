"""What can go wrong with media, each with its HTTP status."""

from __future__ import annotations

from cinema.core.errors import CinemaError, Conflict, NotFound, Unprocessable


class UploadTooLarge(Unprocessable):
    loc = ("body", "size_bytes")
    error_type = "less_than_equal"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit // 1024**3} GiB limit")


class UploadNotFound(NotFound):
    detail = "upload not found"


class UploadNotOpen(Conflict):
    detail = "this upload is already completed or aborted"


class UploadExpired(Conflict):
    """S3 no longer knows the multipart upload (aborted, or dropped by the bucket's lifecycle
    rule after 7 days): the row is marked aborted, and that must be committed."""

    detail = (
        "this upload no longer exists on S3 (unfinished uploads are dropped after 7 days): start a new one"
    )
    commit = True


class InvalidParts(Unprocessable):
    loc = ("body", "parts")
    detail = "the parts do not match what was uploaded (part numbers and ETags)"


class StorageUnavailable(CinemaError):
    """S3 could not be reached, did not answer in time or answered with a server error:
    nothing was started or changed, the same request can simply be sent again."""

    status_code = 503
    detail = "video storage cannot be reached right now: nothing was changed, try again shortly"
    headers = {"Retry-After": "30"}  # noqa: RUF012 - shared read-only default


class MediaNotReady(Conflict):
    detail = "this film has no playable video yet"


class NotEntitled(CinemaError):
    status_code = 402
    detail = "a subscription or a purchase of this film is needed to watch it"


class InvalidPosition(Unprocessable):
    loc = ("body", "position_seconds")
    error_type = "less_than_equal"
    detail = "position_seconds is beyond the end of the film"


class SubtitleNotFound(NotFound):
    detail = "this film has no subtitles in that language"


class SubtitleFileTooLarge(CinemaError):
    status_code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the subtitle file is larger than {limit // 1000} kB (at most {limit} bytes)")


class InvalidSubtitleFile(Unprocessable):
    """The message names the line that is wrong (media/subtitle_files.py)."""

    loc = ("body", "file")


class InvalidLanguage(Unprocessable):
    def __init__(self, reason: str, *, where: str = "body") -> None:
        self.loc = (where, "language")
        super().__init__(reason)


class SubtitlesNotPublished(StorageUnavailable):
    """The subtitle change is committed, but the film's HLS master could not be rewritten."""

    detail = (
        "the subtitles are saved, but the film's playlist could not be updated right now: "
        "send the same request again shortly"
    )
