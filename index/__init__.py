"""Retrieval library for the AI news digests: ingest, chunk, embed, store, search, answer.

Knows nothing about Discord; the bot and the CLI are thin layers over it.
"""
