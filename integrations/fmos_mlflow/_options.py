"""The strict settings of the ``mlflow`` version mirror, and their defaults under FMOS_HOME."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

_SCHEMES = ("sqlite", "http", "https", "postgresql", "mysql", "mssql", "databricks")


class MLflowOptions(BaseModel):
    """Options of the MLflow mirror; unknown keys are errors.

    Example:
        >>> options = MLflowOptions(tracking_uri="sqlite:////tmp/m.db")
        >>> options.experiment, options.http_timeout
        ('fmos', 5.0)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tracking_uri: str | None = None
    """Where MLflow keeps runs, prompts and traces (also its prompt registry); None is
    ``sqlite:///$FMOS_HOME/mlflow.db``."""
    experiment: Annotated[str, Field(min_length=1)] = "fmos"
    """The MLflow experiment that holds evaluation runs and traces."""
    artifact_location: str | None = None
    """Where the experiment keeps artifacts; None is ``$FMOS_HOME/mlflow-artifacts`` (never
    ``./mlruns``)."""
    http_timeout: Annotated[float, Field(gt=0)] = 5.0
    """Seconds an HTTP request to an MLflow server may take (http/https URIs only)."""
    http_retries: Annotated[int, Field(ge=0, le=10)] = 0
    """Retries of a failed HTTP request; FMOS's outbox retries later anyway."""

    @field_validator("tracking_uri")
    @classmethod
    def _known_scheme(cls, uri: str | None) -> str | None:
        if uri is None:
            return uri
        scheme = uri.split(":", 1)[0].split("+", 1)[0]
        if scheme not in _SCHEMES or (scheme != "databricks" and "://" not in uri):
            raise ValueError(
                f"{uri!r} is not an MLflow tracking URI; use sqlite:///PATH, "
                "http(s)://HOST:PORT or a database URL (postgresql://…)"
            )
        return uri

    def uri(self, home: Path) -> str:
        """The tracking URI, defaulting to the SQLite file under ``home``."""
        return self.tracking_uri or f"sqlite:///{home.resolve()}/mlflow.db"

    def artifacts(self, home: Path) -> str:
        """The experiment's artifact location, defaulting to a directory under ``home``."""
        return self.artifact_location or str(home.resolve() / "mlflow-artifacts")
