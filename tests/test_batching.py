"""index.batching: questions asked together share one model call, and each caller gets its own vector."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.batching import MicroBatcher


def _slow_encoder(calls: list[list[str]]):
    def encode_many(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        time.sleep(0.02)  # a forward pass
        return np.array([[len(text), ord(text[0])] for text in texts], dtype=np.float32)

    return encode_many


def test_concurrent_questions_are_embedded_together_and_each_gets_its_own_vector() -> None:
    calls: list[list[str]] = []
    batcher = MicroBatcher(_slow_encoder(calls))
    texts = [f"{chr(97 + i)} question {'x' * i}" for i in range(20)]
    start = threading.Barrier(20)

    def ask(text: str) -> np.ndarray:
        start.wait()
        return batcher.encode(text)

    with ThreadPoolExecutor(20) as pool:
        vectors = list(pool.map(ask, texts))
    for text, vector in zip(texts, vectors):
        assert vector.tolist() == [len(text), ord(text[0])]
    assert sum(len(call) for call in calls) == 20
    assert len(calls) < 20 and max(len(call) for call in calls) > 1  # shared calls


def test_one_question_alone_is_one_call() -> None:
    calls: list[list[str]] = []
    batcher = MicroBatcher(_slow_encoder(calls))
    assert batcher.encode("hello").tolist() == [5, ord("h")]
    assert calls == [["hello"]]


def test_an_encoder_error_reaches_every_caller_and_the_next_question_works() -> None:
    failing = True

    def encode_many(texts: list[str]) -> np.ndarray:
        if failing:
            raise RuntimeError("model crashed")
        return np.ones((len(texts), 2), dtype=np.float32)

    batcher = MicroBatcher(encode_many)
    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(batcher.encode, f"q{i}") for i in range(5)]
        for future in futures:
            with pytest.raises(RuntimeError, match="model crashed"):
                future.result(timeout=10)
    failing = False
    assert batcher.encode("again").tolist() == [1.0, 1.0]


def test_batched_question_vectors_match_single_ones(embedder) -> None:
    """The real model gives the same vectors to a question alone and in a batch of questions."""
    questions = ["What did Meta release in April?", "qu'a annoncé Mistral en mars ?", "who is Sam Altman?"]
    together = embedder.encode_queries(questions)
    for question, vector in zip(questions, together):
        assert float(np.dot(vector, embedder.encode_query(question))) > 0.9999
