"""Keep numpy's BLAS to one thread, so that it does not take the cores from the embedding model.

After each product, OpenBLAS keeps its worker threads spinning for a while in case another
product follows. Answering a question multiplies the passage vectors by the query vector (numpy)
right before the next question's forward pass (onnxruntime or torch, with their own threads). On a
small machine the spinning threads and the model's threads then share the same cores, and the
forward pass ran up to three times slower (measured with torch). The product itself is a matrix-vector one, memory-bound, so one
thread loses almost nothing. Measured in `docs/performance.md` (section 1, "Latency").
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_limits


@functools.cache
def one_blas_thread() -> None:
    """Limit every BLAS library loaded in this process (numpy's, FAISS's) to one thread, once."""
    threadpool_limits(limits=1, user_api="blas")
