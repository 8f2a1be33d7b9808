"""The error the MLflow mirror raises, and the scope that turns MLflow's failures into it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from fmos_core.errors import FmosError, RunError


class MLflowUnavailable(RunError):
    """MLflow could not take a change (unreachable, read-only, rejected it). FMOS keeps
    serving from its local store; ``VersionRegistry`` keeps the change to send later.

    Example:
        >>> issubclass(MLflowUnavailable, RunError)
        True
    """


@contextmanager
def calling(target: str, what: str, http: dict[str, str] | None = None) -> Iterator[None]:
    """Run MLflow calls: an MLflow failure becomes ``MLflowUnavailable`` naming ``target``,
    ``what`` was being done and the root cause. ``http`` sets MLflow's HTTP settings
    (``MLFLOW_HTTP_REQUEST_*``, read at request time) for the calls inside only, and only
    where the user has not set them; they are restored after."""
    added = {key: value for key, value in (http or {}).items() if key not in os.environ}
    os.environ.update(added)
    try:
        yield
    except FmosError:
        raise
    except Exception as exc:
        raise MLflowUnavailable(f"{target} could not {what}: {root_cause(exc)}") from exc
    finally:
        for key in added:
            os.environ.pop(key, None)


def root_cause(exc: BaseException) -> str:
    """The innermost exception's type and first line (MLflow wraps database and HTTP
    errors in long messages)."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            break
        seen.add(id(inner))
        exc = inner
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("(raised as")), "")
    return f"{type(exc).__name__}: {first[:300]}"
