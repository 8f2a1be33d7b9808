"""``MLflowMirror``: FMOS versions, evaluations, alias moves and traces, copied to MLflow."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fmos_core.config import explain, fmos_home
from fmos_core.errors import ConfigError, DriverNotInstalled
from fmos_core.evolution.versions import AliasMove, Version
from fmos_core.store.traces import TraceRecord

from . import _render as render
from ._errors import MLflowUnavailable, calling
from ._options import MLflowOptions
from ._traces import TRACE_TAG, prompt_versions, trace_entities

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import PromptVersion
    from mlflow.tracing.client import TracingClient

_LINKED_PROMPTS = "mlflow.linkedPrompts"  # the run/trace tag MLflow reads linked prompts from
_EXPERIMENT_IDS = "_mlflow_experiment_ids"  # the prompt tag that lists it under an experiment


class MLflowMirror:
    """Mirrors FMOS's version store into MLflow (``VersionMirror``, see
    ``fmos_core.evolution.mirror``): one registered prompt per (VFM, kind) whose versions
    carry ``fmos.*`` tags, MLflow prompt aliases that follow FMOS's, one run per
    evaluation, one trace per exported FMOS trace.

    Nothing touches MLflow until the first change (construction never blocks); each
    method raises ``MLflowUnavailable`` when MLflow cannot take the change. Clients are
    bound to the tracking URI: no global MLflow state is set.

    Example:
        >>> mirror = MLflowMirror.from_options({"tracking_uri": "sqlite:////tmp/fmos-m.db"})
        >>> mirror.describe()
        'MLflow at sqlite:////tmp/fmos-m.db'
    """

    def __init__(self, options: MLflowOptions | None = None, *, home: Path | None = None) -> None:
        if importlib.util.find_spec("mlflow") is None:
            raise DriverNotInstalled(
                "the mlflow version mirror needs MLflow; install it with "
                "`pip install 'fmos[mlflow]'`"
            )
        self.options = options or MLflowOptions()
        base = home if home is not None else fmos_home()
        self.tracking_uri = self.options.uri(base)
        self.artifact_location = self.options.artifacts(base)
        self._clients: tuple[MlflowClient, TracingClient] | None = None
        self._experiment_id: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> MLflowMirror:
        """Build the mirror from its options: ``tracking_uri``, ``experiment``,
        ``artifact_location``, ``http_timeout``, ``http_retries``."""
        try:
            parsed = MLflowOptions.model_validate(dict(options))
        except ValidationError as exc:
            raise ConfigError(f"[evolution.mirror_options] (mlflow): {explain(exc)}") from None
        return cls(parsed)

    def describe(self) -> str:
        return f"MLflow at {self.tracking_uri}"

    # --- the VersionMirror protocol -------------------------------------------------

    def version(self, version: Version) -> None:
        """Register ``version`` as a prompt version, unless it is there already."""
        name = render.prompt_name(version.vfm, version.kind)
        with self._calling(f"record {name} version {version.version}"):
            client = self._client()
            if self._find(name, version.version) is not None:
                return
            if not self._has_prompt(name):
                client.create_prompt(
                    name,
                    description=f"FMOS {version.kind} of the VFM {version.vfm!r}",
                    tags={
                        "fmos.vfm": version.vfm,
                        "fmos.kind": version.kind,
                        _EXPERIMENT_IDS: f",{self._experiment()},",
                    },
                )
            client.create_prompt_version(
                name,
                render.template(version.kind, version.body),
                description=version.note or None,
                tags=render.version_tags(version),
            )

    def evaluation(self, version: Version) -> None:
        """Record ``version.evaluation`` as a run (params, metrics, the prompt version
        linked) and its summary as ``fmos.eval.*`` tags of the prompt version."""
        if not version.evaluation:
            return
        name = render.prompt_name(version.vfm, version.kind)
        with self._calling(f"record the evaluation of {name} version {version.version}"):
            client = self._client()
            mirrored = self._mirrored(name, version.version)
            digest = render.evaluation_digest(version.evaluation)
            experiment = self._experiment()
            found = client.search_runs(
                [experiment],
                filter_string=(
                    f"tags.`fmos.evaluation` = '{digest}' and tags.`fmos.prompt` = '{name}'"
                ),
                max_results=1,
            )
            if found:
                run_id = found[0].info.run_id
            else:
                run_id = client.create_run(
                    experiment,
                    run_name=f"evaluate {name} v{version.version}",
                    tags={"fmos.evaluation": digest, "fmos.prompt": name},
                ).info.run_id
            self._log_evaluation(run_id, name, mirrored, version)
            for key, value in render.evaluation_tags(version.evaluation).items():
                client.set_prompt_version_tag(name, mirrored.version, key, value)
            client.set_prompt_version_tag(name, mirrored.version, "fmos.eval.run_id", run_id)

    def alias(self, move: AliasMove) -> None:
        """Point the MLflow alias where ``move`` put FMOS's (unset it for None) and record
        the move: a ``fmos.move.<ms>.<alias>`` tag on the prompt, a
        ``fmos.alias.<alias>`` tag on the version it now points at."""
        name = render.prompt_name(move.vfm, move.kind)
        target = "unset" if move.to_version is None else f"v{move.to_version}"
        record = render.move_record(move)
        with self._calling(f"move {name} alias {move.alias} to {target}"):
            client = self._client()
            if not self._has_prompt(name):
                raise MLflowUnavailable(
                    f"{self.describe()} has no prompt {name} to move {move.alias} on: its "
                    "versions were never mirrored; register them through a VersionRegistry "
                    "with this mirror"
                )
            if move.to_version is None:
                client.delete_prompt_alias(name, move.alias)
            else:
                mirrored = self._mirrored(name, move.to_version)
                client.set_prompt_alias(name, move.alias, int(mirrored.version))
                client.set_prompt_version_tag(
                    name, mirrored.version, f"fmos.alias.{move.alias}", record
                )
            client.set_prompt_tag(name, f"fmos.move.{round(move.at * 1000)}.{move.alias}", record)

    def traces(self, records: list[TraceRecord]) -> int:
        """Export ``records`` as MLflow traces (see ``fmos_mlflow._traces``); a record
        exported before is skipped. Returns how many were new. Records read with
        ``TraceReader.get`` carry their spans; ``list`` ones have none."""
        if not records:
            return 0
        new = 0
        with self._calling(f"export {len(records)} trace(s)"):
            client, tracing = self._both()
            experiment = self._experiment()
            for record in records:
                escaped = record.id.replace("'", "''")
                seen = client.search_traces(
                    locations=[experiment],
                    filter_string=f"tag.`{TRACE_TAG}` = '{escaped}'",
                    max_results=1,
                    include_spans=False,
                )
                if seen:
                    continue
                prompts = self._prompts_of(record)
                linked = [{"name": p.name, "version": str(p.version)} for p in prompts]
                info, spans = trace_entities(record, experiment, linked)
                tracing.log_spans(experiment, spans)
                tracing.start_trace(info)
                _associate(tracing, info.trace_id, prompts)
                new += 1
        return new

    # --- reading back (for tools and tests) ------------------------------------------

    def prompt_version(self, vfm: str, kind: str, version: int) -> PromptVersion | None:
        """The MLflow prompt version that mirrors FMOS's ``version``, or None."""
        name = render.prompt_name(vfm, kind)
        with self._calling(f"read {name}"):
            return self._find(name, version)

    @property
    def experiment_id(self) -> str:
        """The id of the MLflow experiment (created on first use)."""
        with self._calling(f"open the experiment {self.options.experiment!r}"):
            return self._experiment()

    # --- inside ------------------------------------------------------------------------

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        http = None
        if self.tracking_uri.startswith(("http://", "https://")):
            http = {
                "MLFLOW_HTTP_REQUEST_TIMEOUT": f"{self.options.http_timeout:g}",
                "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(self.options.http_retries),
                "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
            }
        with calling(self.describe(), what, http):
            yield

    def _both(self) -> tuple[MlflowClient, TracingClient]:
        if self._clients is None:
            from mlflow import MlflowClient
            from mlflow.tracing.client import TracingClient

            uri = self.tracking_uri
            if uri.startswith("sqlite:///") and "mode=ro" not in uri:
                path = uri.removeprefix("sqlite:///").removeprefix("file:").split("?")[0]
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._clients = (MlflowClient(tracking_uri=uri, registry_uri=uri), TracingClient(uri))
        return self._clients

    def _client(self) -> MlflowClient:
        return self._both()[0]

    def _experiment(self) -> str:
        if self._experiment_id is not None:
            return self._experiment_id
        client = self._client()
        name = self.options.experiment
        found = client.get_experiment_by_name(name)
        if found is None:
            try:
                self._experiment_id = client.create_experiment(
                    name, artifact_location=self.artifact_location
                )
            except Exception:  # another process created it first
                found = client.get_experiment_by_name(name)
                if found is None:
                    raise
        if found is not None:
            if found.lifecycle_stage != "active":
                raise MLflowUnavailable(
                    f"{self.describe()}: the experiment {name!r} is deleted; restore it in "
                    "MLflow or set another `experiment` in the mirror options"
                )
            self._experiment_id = found.experiment_id
        assert self._experiment_id is not None
        return self._experiment_id

    def _has_prompt(self, name: str) -> bool:
        """Whether MLflow has the prompt; raises when MLflow cannot say (``get_prompt``
        answers None for an unreachable server too)."""
        found = self._client().search_prompts(filter_string=f"name = '{name}'", max_results=1)
        return any(prompt.name == name for prompt in found)

    def _find(self, name: str, version: int) -> PromptVersion | None:
        """The prompt version tagged ``fmos.version`` = ``version``, or None."""
        client = self._client()
        if not self._has_prompt(name):
            return None
        wanted = str(version)
        token = None
        while True:
            page = client.search_prompt_versions(name, max_results=100, page_token=token)
            for candidate in page:
                if candidate.tags.get("fmos.version") == wanted:
                    return candidate
            token = page.token
            if not token:
                return None

    def _mirrored(self, name: str, version: int) -> PromptVersion:
        found = self._find(name, version)
        if found is None:
            raise MLflowUnavailable(
                f"{self.describe()} has no version {version} of {name} yet; its registration "
                "is mirrored first (`fmos versions sync` sends waiting changes in order)"
            )
        return found

    def _log_evaluation(
        self, run_id: str, name: str, mirrored: PromptVersion, version: Version
    ) -> None:
        from mlflow.entities import Metric, Param, RunTag

        evaluation = version.evaluation or {}
        now = int(time.time() * 1000)
        values = {
            **render.params(evaluation),
            "vfm": version.vfm,
            "kind": version.kind,
            "version": str(version.version),
            "prompt": name,
            "prompt_version": str(mirrored.version),
        }
        linked = json.dumps([{"name": name, "version": str(mirrored.version)}])
        client = self._client()
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now, 0) for k, v in render.numbers(evaluation).items()],
            params=[Param(k, v) for k, v in values.items()],
            tags=[RunTag(_LINKED_PROMPTS, linked)],
        )
        client.set_terminated(run_id)

    def _prompts_of(self, record: TraceRecord) -> list[PromptVersion]:
        """The mirrored prompt versions that shaped the call ``record`` traces."""
        found = []
        for kind, number in prompt_versions(record).items():
            mirrored = self._find(render.prompt_name(record.vfm, kind), number)
            if mirrored is not None:
                found.append(mirrored)
        return found


def _associate(tracing: TracingClient, trace_id: str, prompts: list[PromptVersion]) -> None:
    """Link the trace to its prompt versions in the store too (MLflow's prompt page lists
    the traces it finds this way); a store without the link keeps the tag alone."""
    link = getattr(tracing.store, "link_prompts_to_trace", None)
    if not prompts or link is None:
        return
    with suppress(NotImplementedError):
        link(trace_id, prompts)
