"""One canonical form per email address, and the key that catches lookalikes of an address.

An address is stored and looked up NFKC-normalised: fullwidth letters, ligatures and other
compatibility forms become the plain letters they stand for, so "ｓｔａｒ@kino.io" signs in
as star@kino.io and cannot become a second account. Comparison stays case-insensitive
(lower(email), as the unique index has it).

`lookalike_key` goes further, for registration only: it also folds letters of other scripts
that are drawn like Latin ones (Cyrillic "а" for Latin "a" ...), so that nobody can register
an address that reads like an existing one to a person (an admin, a support agent, a mail
recipient). It is a small table of the confusables that matter for addresses, after Unicode's
UTS #39 data, not the whole of it: mailboxes are mostly Latin, and a false match costs only a
409 at sign-up.
"""

from __future__ import annotations

import unicodedata

# Lowercase letters of other scripts drawn like a Latin letter (their capitals are too:
# the key is casefolded first).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k",
        "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "ѵ": "v",
        "ԝ": "w", "х": "x", "у": "y",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
        # Latin letters that pass for others
        "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i",
    }
)  # fmt: skip


def canonical(email: str) -> str:
    """The stored form: NFKC, surrounding blanks removed; case kept as typed."""
    return unicodedata.normalize("NFKC", email.strip())


def lookalike_key(email: str) -> str:
    """Equal for addresses a person would read as the same one."""
    return unicodedata.normalize("NFKC", canonical(email).casefold()).translate(_CONFUSABLES)
