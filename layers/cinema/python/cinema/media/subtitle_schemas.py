"""Bodies of the subtitle routes."""

from pydantic import Field

from cinema.core.schemas import ApiModel


class SubtitleOut(ApiModel):
    language: str = Field(description="BCP 47 tag in its canonical case, e.g. en, ru, pt-BR")
    label: str = Field(description="what the player shows, e.g. English, Русский")
    url: str = Field(
        description="the WebVTT file on the CDN, under the film's HLS prefix: fetched with the signature "
        "GET /films/{id}/play hands out (cookies or query), like the renditions; the HLS master lists "
        "the same track as a SUBTITLES rendition"
    )


class SubtitlesOut(ApiModel):
    items: list[SubtitleOut]
