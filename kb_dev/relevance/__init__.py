"""Relevance evaluation: metrics, a plain BM25 baseline, and runs of kb's own search."""
