"""Search text: one normal form for what is indexed and what is typed.

Folding the indexed text and the typed words with the same function makes "cafe", "CAFÉ"
and "Café" meet on both databases: SQLite indexes the folded column with FTS5, PostgreSQL
with a GIN index on `to_tsvector('simple', ...)` (docs/decisions/0005-product-search.md).
Products and customers use it.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 8
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_SEPARATORS = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "Éponge x2" -> "eponge x2"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_SEPARATORS.sub(" ", bare).split())


def words_of(typed: str) -> list[str]:
    """The folded words of a query (at most MAX_WORDS); each is matched as a prefix."""
    return fold(typed).split()[:MAX_WORDS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word, as a prefix, in the `words` column.

    Folded words hold only word characters, so quoting them cannot break the syntax.
    """
    return "{words} : (" + " ".join(f'"{w}"*' for w in words) + ")"


def tsquery(words: list[str]) -> str:
    """A PostgreSQL to_tsquery expression: every word, as a prefix."""
    return " & ".join(f"'{w}':*" for w in words)
