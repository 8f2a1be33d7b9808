"""MLflow mirror for FMOS: versions, evaluations, aliases and traces, visible in MLflow's UI.

Registered as the ``mlflow`` mirror (entry-point group ``fmos.mirrors``). With no options
it writes to ``sqlite:///$FMOS_HOME/mlflow.db`` (artifacts in
``$FMOS_HOME/mlflow-artifacts``, experiment ``fmos``); ``mlflow ui --backend-store-uri``
with the same URI shows it. FMOS serves from its own store; MLflow is a copy.

What goes where:
- a version → a version of the prompt ``fmos.<vfm>.<kind>``, tagged ``fmos.vfm``,
  ``fmos.kind``, ``fmos.version`` (the FMOS number; MLflow's may differ), ``fmos.created_by``,
  ``fmos.note`` and ``fmos.eval.*`` once evaluated (``_render`` has the templates);
- an evaluation → a finished run in the experiment: params (vfm, kind, version, prompt,
  prompt_version, and the evaluation's strings and counts), metrics (every number of it),
  the prompt version linked (``mlflow.linkedPrompts``);
- an alias move → the prompt alias (``production``, ``canary``, ``pinned``) set or
  deleted, the move (action, by, reason) tagged on the prompt and the target version;
- a trace record → an MLflow trace with a root span and one child per FMOS span
  (``_traces``), tagged ``fmos.trace_id``.

Over HTTP a call gives up after ``http_timeout`` seconds and ``http_retries`` retries
(MLflow's ``MLFLOW_HTTP_REQUEST_*`` settings, set for the mirror's calls only and only when
the environment does not set them; not meant for several threads at once).

Example:
    >>> from fmos_mlflow import MLflowOptions
    >>> sorted(MLflowOptions.model_fields)
    ['artifact_location', 'experiment', 'http_retries', 'http_timeout', 'tracking_uri']
"""

from __future__ import annotations

from ._errors import MLflowUnavailable
from ._mirror import MLflowMirror
from ._options import MLflowOptions

__all__ = ["MLflowMirror", "MLflowOptions", "MLflowUnavailable"]
