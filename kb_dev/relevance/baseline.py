"""A plain BM25 baseline (the ``bm25s`` package), the floor kb's search must beat.

As the ACORD authors' baseline: English stopwords, Porter stemming, default BM25
parameters, over exactly the texts given.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import bm25s
import Stemmer

# bm25s sets its own logger to DEBUG, which would print through the root handler.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class Bm25Baseline:
    def __init__(self, texts: Mapping[str, str]):
        self._ids = list(texts)
        self._stemmer = Stemmer.Stemmer("porter")
        self._retriever = bm25s.BM25()
        self._retriever.index(self._tokenize(list(texts.values())), show_progress=False)

    def _tokenize(self, texts: list[str]):
        return bm25s.tokenize(
            texts, stopwords="en", stemmer=self._stemmer.stemWords, show_progress=False
        )

    def search(self, query: str, k: int) -> list[str]:
        """Ids of the k best texts for ``query``, best first (texts sharing no word with
        the query are left out)."""
        k = min(k, len(self._ids))
        documents, scores = self._retriever.retrieve(
            self._tokenize([query]), k=k, show_progress=False
        )
        return [
            self._ids[index]
            for index, score in zip(documents[0], scores[0], strict=True)
            if score > 0
        ]
