"""Text that people send: the one rule every text input of the API shares.

PostgreSQL cannot store NUL, and no name, title, search or review needs a control character
(a bell, an escape sequence for a terminal that reads the logs). Every text field of every
request schema, and every free-text query or form parameter, is declared through `plain_text`
(or carries `LINE_PATTERN`), so the refusal is a 422 from validation, before any side effect,
and the OpenAPI document says what is accepted. Multi-line text (reviews, descriptions) keeps
tab, line feed and carriage return; single-line text refuses every control character.
"""

from __future__ import annotations

import re

from pydantic import StringConstraints

# JSON Schema (ECMA 262) and both regex engines of pydantic read these the same way.
_LINE_CONTROL = r"\x00-\x1f\x7f"
_TEXT_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # keeps \t \n \r
LINE_PATTERN = rf"^[^{_LINE_CONTROL}]*$"
CONTROL_CHARACTER = re.compile(rf"[{_LINE_CONTROL}]")  # for text read by hand (forms, cursors)
TEXT_PATTERN = rf"^[^{_TEXT_CONTROL}]*$"
# Not blank: at least one character that is neither white space nor a control character.
_LINE_NOT_BLANK = rf"^[^{_LINE_CONTROL}]*[^\s{_LINE_CONTROL}][^{_LINE_CONTROL}]*$"
_TEXT_NOT_BLANK = rf"^[^{_TEXT_CONTROL}]*[^\s{_TEXT_CONTROL}][^{_TEXT_CONTROL}]*$"


def plain_text(
    *,
    max_length: int,
    min_length: int | None = None,
    multiline: bool = False,
    not_blank: bool = False,
    strip: bool = False,
) -> StringConstraints:
    """The constraints of a text field: a length cap always, no control characters (tab, line
    feed and carriage return allowed with `multiline`), optionally some visible character."""
    if not_blank:
        pattern = _TEXT_NOT_BLANK if multiline else _LINE_NOT_BLANK
    else:
        pattern = TEXT_PATTERN if multiline else LINE_PATTERN
    return StringConstraints(
        strip_whitespace=strip or None, min_length=min_length, max_length=max_length, pattern=pattern
    )
