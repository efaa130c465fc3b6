"""Retrieval evaluation: page-level recall@k, MRR and nDCG@10 on a corpus and a question file."""
