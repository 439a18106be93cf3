"""Embeddings, the Chroma store, jieba BM25 and hybrid retrieval."""
