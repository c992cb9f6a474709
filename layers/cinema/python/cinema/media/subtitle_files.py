"""Subtitle files as admins send them: WebVTT kept (checked), SRT turned into WebVTT, and the
language tag they are for (BCP 47). A bad file is refused with the line that is wrong.

What is checked is what players trip over: the `WEBVTT` signature, every cue's timing line
(`start --> end`, minutes and seconds under 60, an end not before its start), and SRT's block
shape (counter, timing, text, blank line). Cue text is kept as written, but SRT's `<font>` tags
(WebVTT has none) and ASS overrides such as `{\\an8}` are dropped, and a `-->` inside text
(which would end a WebVTT cue) is escaped. SRT counters become the cues' identifiers,
renumbered 1..n so they are unique whatever the file said. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

MAX_BYTES = 1_000_000  # "≤ 1 MB" (the API's body cap, 1 MiB, leaves room for the form around it)


class SubtitleError(ValueError):
    """The file is refused; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


class WebVtt(NamedTuple):  # not a dataclass: it would compile its methods at each cold start
    text: str  # the whole file, "\n" line ends, UTF-8 when encoded
    cues: int
    end_seconds: float  # where the last cue ends


# --- the language ---------------------------------------------------------------------------

# ISO 639-1: the two-letter primary language subtags (three letters: ISO 639-2/3, any).
_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da "
    "de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz "
    "ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln "
    "lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi "
    "pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti "
    "tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
).split()


def _any_case(code: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in code)


# RFC 5646's langtag syntax, letters in any case (a JSON Schema pattern has no flags): the
# OpenAPI document states it for `language`, and `canonical_language` checks the very same.
# Not accepted: private-use-only and grandfathered tags, the reserved primary subtags of 4 to 8
# letters, and two-letter primary subtags that are not ISO 639-1 codes.
LANGUAGE_PATTERN = (
    r"^(?:(?:" + "|".join(_any_case(code) for code in _ISO_639_1) + r")|[A-Za-z]{3})"
    r"(?:-[A-Za-z]{3}){0,3}"  # extlang
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"  # private use
)


@cache
def _langtag() -> re.Pattern[str]:
    """Compiled on first use: 2 ms of the admin function's cold start otherwise."""
    return re.compile(LANGUAGE_PATTERN)


MAX_LANGUAGE = 35


def canonical_language(tag: str) -> str:
    """The tag in BCP 47's canonical case (`pt-BR`, `zh-Hant-TW`, `sr-Latn`); ValueError with
    the reason when it is not a well-formed tag of a language."""
    text = tag
    if not text or len(text) > MAX_LANGUAGE:
        raise ValueError(f"a BCP 47 language tag of 1..{MAX_LANGUAGE} characters, e.g. en, ru, pt-BR")
    if _langtag().fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a BCP 47 language tag (e.g. en, ru, pt-BR, zh-Hant)")
    out: list[str] = []
    extension = False  # after a singleton (an extension or -x-) every subtag stays lower case
    for part in text.lower().split("-"):
        extension = extension or len(part) == 1
        if extension or not out:
            out.append(part)
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())  # region
        else:
            out.append(part)
    return "-".join(out)


# --- the file -------------------------------------------------------------------------------

_TIME = r"(?:(\d{1,}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_VTT_TIMING = re.compile(
    rf"^{_TIME.replace('[.,]', '[.]')}[ \t]+-->[ \t]+{_TIME.replace('[.,]', '[.]')}(?:[ \t]+.*)?$"
)
_SRT_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_FONT = re.compile(r"</?font\b[^>]*>", re.IGNORECASE)
_ASS = re.compile(r"\{\\[^}]*\}")


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = groups
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) + int(millis or 0) / 1000


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _lines(data: bytes) -> list[str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SubtitleError(0, "the file is neither UTF-8 nor valid UTF-16 text") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SubtitleError(line, "not UTF-8 text: save the file as UTF-8 and upload it again") from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SubtitleError(line, "a NUL character: this is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def to_webvtt(data: bytes) -> WebVtt:
    """The file as WebVTT: WebVTT (starts with `WEBVTT`) checked, anything else read as SRT."""
    if not data.strip():
        raise SubtitleError(0, "the file is empty")
    lines = _lines(data)
    if lines[0].startswith("WEBVTT"):
        return _check_webvtt(lines)
    return _from_srt(lines)


def _blocks(lines: list[str], index: int) -> Iterator[tuple[int, list[str]]]:
    """(0-based line of its first line, its lines) of each block of non-blank lines."""
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        start = index
        while index < len(lines) and lines[index].strip():
            index += 1
        yield start, [line.strip("\ufeff") for line in lines[start:index]]


def _check_webvtt(lines: list[str]) -> WebVtt:
    first = lines[0]
    if first != "WEBVTT" and first[6] not in " \t":
        raise SubtitleError(1, "the first line must be WEBVTT, alone or followed by a space and text")
    index, cues, end = 1, 0, 0.0
    while index < len(lines) and lines[index].strip():  # the header's own lines
        if "-->" in lines[index]:
            raise SubtitleError(index + 1, "a blank line must separate the WEBVTT line from the first cue")
        index += 1
    for start, block in _blocks(lines, index):
        keyword = block[0].split()[0]
        if keyword in ("NOTE", "STYLE", "REGION") and "-->" not in block[0]:
            if keyword != "NOTE" and cues:
                raise SubtitleError(start + 1, f"{keyword} blocks must come before the first cue")
            continue
        end = max(end, _vtt_cue(start, block))
        cues += 1
    if not cues:
        raise SubtitleError(len(lines), "the file has no cues")
    text = "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"
    return WebVtt(text, cues, end)


def _vtt_cue(start: int, block: list[str]) -> float:
    """Checks one cue block; where it ends."""
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        shown = block[timing_at] if timing_at < len(block) else block[0]
        raise SubtitleError(
            start + min(timing_at, len(block) - 1) + 1,
            f"expected a cue timing line such as 00:00:01.000 --> 00:00:04.000, found {shown[:80]!r}",
        )
    timing = _VTT_TIMING.match(block[timing_at])
    if timing is None:
        raise SubtitleError(start + timing_at + 1, _bad_timing(block[timing_at], vtt=True))
    begin, finish = _seconds(timing.groups()[:4]), _seconds(timing.groups()[4:])
    if finish < begin:
        raise SubtitleError(start + timing_at + 1, "the cue ends before it starts")
    for offset, text in enumerate(block[timing_at + 1 :], start=timing_at + 1):
        if "-->" in text:
            raise SubtitleError(
                start + offset + 1, "cue text cannot contain '-->' (a blank line is missing?)"
            )
    return finish


def _bad_timing(line: str, *, vtt: bool) -> str:
    separator = "." if vtt else ","
    example = f"00:00:01{separator}000 --> 00:00:04{separator}000"
    return f"{line.strip()[:80]!r} is not a cue timing: expected start --> end such as {example}"


def _from_srt(lines: list[str]) -> WebVtt:
    out = ["WEBVTT", ""]
    cues, end = 0, 0.0
    for start, block in _blocks(lines, 0):
        timing_at = 0
        if block[0].strip().isdigit():
            timing_at = 1
        elif "-->" not in block[0]:
            raise SubtitleError(
                start + 1,
                f"expected a subtitle number or a timing line such as 00:00:01,000 --> 00:00:04,000, "
                f"found {block[0].strip()[:80]!r}",
            )
        if timing_at >= len(block):
            raise SubtitleError(start + 1, "a subtitle number with no timing line after it")
        timing = _SRT_TIMING.match(block[timing_at])
        if timing is None:
            raise SubtitleError(start + timing_at + 1, _bad_timing(block[timing_at], vtt=False))
        begin, finish = _seconds(timing.groups()[:4]), _seconds(timing.groups()[4:])
        if finish < begin:
            raise SubtitleError(start + timing_at + 1, "the subtitle ends before it starts")
        text = []
        for offset, line in enumerate(block[timing_at + 1 :], start=timing_at + 1):
            if _SRT_TIMING.match(line):
                raise SubtitleError(
                    start + offset + 1,
                    "a timing line inside a subtitle's text: a blank line is missing before it",
                )
            text.append(_ASS.sub("", _FONT.sub("", line.rstrip())).replace("-->", "--&gt;"))
        cues += 1
        end = max(end, finish)
        out += [str(cues), f"{_stamp(begin)} --> {_stamp(finish)}", *text, ""]
    if not cues:
        raise SubtitleError(
            len(lines), "the file has no subtitles: neither WebVTT (first line WEBVTT) nor SRT"
        )
    return WebVtt("\n".join(out), cues, end)
