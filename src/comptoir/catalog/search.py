"""Product search text: name, SKU and handle folded into `product.search_text`.

The folding and query building are shared with customers in `comptoir.core.textsearch`.
"""

from __future__ import annotations

from comptoir.core.textsearch import MAX_WORDS, fold, fts5_query, tsquery, words_of

__all__ = ["MAX_WORDS", "fold", "fts5_query", "search_text_of", "tsquery", "words_of"]


def search_text_of(name: str | None, sku: str | None, handle: str | None) -> str:
    return fold(" ".join(part for part in (name, sku, handle) if part))
