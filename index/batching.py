"""Questions asked at the same moment share one model call (micro-batching).

The bot answers each question in a worker thread. Embedding twenty questions one by one means
twenty forward passes fighting over two cores. One forward pass over the twenty costs little
more than a single one. The first thread to arrive leads: it waits a moment for others, embeds
everything queued in one call, hands each caller its vector, and goes on while more are queued.
No thread is started and nothing runs when nobody asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

# How long a leader waits for company: small next to a question's ~20 ms, long enough for a burst.
GATHER_SECONDS = 0.002
MAX_BATCH = 64


class MicroBatcher:
    """`encode(text)` from any thread; texts that arrive together go to `encode_many` in one call."""

    def __init__(
        self,
        encode_many: Callable[[list[str]], np.ndarray],
        max_batch: int = MAX_BATCH,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self._encode_many = encode_many
        self._max_batch = max_batch
        self._gather_seconds = gather_seconds
        self._lock = threading.Lock()
        self._queue: list[tuple[str, Future[np.ndarray]]] = []
        self._leading = False
        self.batches = 0  # model calls made, for benchmarks and tests
        self.encoded = 0  # texts embedded

    def encode(self, text: str) -> np.ndarray:
        future: Future[np.ndarray] = Future()
        with self._lock:
            self._queue.append((text, future))
            lead = not self._leading
            self._leading = True
        if lead:
            self._lead()
        return future.result()

    def _lead(self) -> None:
        """Embed queued texts batch after batch until none is left, then step down."""
        time.sleep(self._gather_seconds)
        while True:
            with self._lock:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                if not batch:
                    self._leading = False
                    return
            try:
                vectors = self._encode_many([text for text, _ in batch])
            except BaseException as error:  # every waiting caller gets the error, not a hang
                for _, future in batch:
                    future.set_exception(error)
                continue
            self.batches += 1
            self.encoded += len(batch)
            for (_, future), vector in zip(batch, vectors):
                future.set_result(vector)
