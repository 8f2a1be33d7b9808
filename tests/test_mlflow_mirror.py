"""The MLflow mirror against a real MLflow tracking store on SQLite (no server).

FMOS_HOME is private to each test (conftest); the mirror's default store lives there.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from fmos_mlflow import MLflowMirror, MLflowUnavailable
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from fmos_core import FMOS, Config
from fmos_core.errors import ConfigError
from fmos_core.evolution.mirror import MirrorOutbox, VersionRegistry
from fmos_core.evolution.versions import VersionStore
from fmos_core.registry import load_mirror
from fmos_core.store import Database

# MLflow 3.17's own SQLAlchemy models use a loader SQLAlchemy 2.1 deprecates
pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)

PROMPT = "fmos.default.system_prompt"
EVALUATION = {
    "accuracy": 0.8,
    "baseline_accuracy": 0.6,
    "delta": 0.2,
    "n": 10,
    "source": "offline",
    "cases": {"passed": 8},
}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path}/state.db")


@pytest.fixture(scope="session")
def empty_mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow database with its tables made once (creating them takes seconds)."""
    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture(autouse=True)
def mlflow_db(empty_mlflow_db: Path, fmos_home: Path) -> Path:
    """The default MLflow store under this test's FMOS_HOME, tables already made."""
    fmos_home.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(empty_mlflow_db, fmos_home / "mlflow.db"))


@pytest.fixture
def mirror() -> MLflowMirror:
    return MLflowMirror.from_options({})


def registry(db: Database, mirror: MLflowMirror) -> VersionRegistry:
    return VersionRegistry(VersionStore(db), mirror, MirrorOutbox(db))


def client_of(mirror: MLflowMirror) -> MlflowClient:
    return MlflowClient(tracking_uri=mirror.tracking_uri, registry_uri=mirror.tracking_uri)


def by_fmos_version(client: MlflowClient, name: str) -> dict[str, int]:
    found = client.search_prompt_versions(name)
    return {v.tags["fmos.version"]: int(v.version) for v in found if "fmos.version" in v.tags}


def aliased(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        return client.get_prompt_version_by_alias(name, alias).tags["fmos.version"]
    except MlflowException:
        return None


def lifecycle(versions: VersionRegistry) -> None:
    """Two versions, one evaluated; production 1, canary 2, promote, roll back."""
    versions.register("default", "system_prompt", {"text": "Be brief."}, by="ann", note="first")
    versions.register("default", "system_prompt", {"text": "Be exact."}, by="bob", note="second")
    versions.evaluate("default", "system_prompt", 2, EVALUATION)
    versions.move("default", "system_prompt", "production", 1, by="ann", reason="start")
    versions.move("default", "system_prompt", "canary", 2, by="ann", reason="try it")
    versions.promote("default", "system_prompt", by="ann", reason="better")
    versions.rollback("default", "system_prompt", by="bob", reason="worse after all")


def test_a_version_lifecycle_is_mirrored(
    db: Database, mirror: MLflowMirror, fmos_home: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    versions = registry(db, mirror)
    lifecycle(versions)
    assert versions.status().waiting == 0
    assert mirror.tracking_uri == f"sqlite:///{fmos_home.resolve()}/mlflow.db"

    client = client_of(mirror)
    numbers = by_fmos_version(client, PROMPT)
    assert sorted(numbers) == ["1", "2"]
    first = client.get_prompt_version(PROMPT, numbers["1"])
    assert first.template == "Be brief."
    assert first.tags["fmos.vfm"] == "default"
    assert first.tags["fmos.kind"] == "system_prompt"
    assert (first.tags["fmos.created_by"], first.tags["fmos.note"]) == ("ann", "first")
    second = client.get_prompt_version(PROMPT, numbers["2"])
    assert second.tags["fmos.eval.accuracy"] == "0.8"
    assert second.tags["fmos.eval.cases.passed"] == "8"

    assert aliased(client, PROMPT, "production") == "1"  # rolled back from 2
    assert aliased(client, PROMPT, "canary") is None  # cleared by the promotion
    moves = [
        json.loads(v) for k, v in sorted(client.get_prompt(PROMPT).tags.items())
        if k.startswith("fmos.move.")
    ]  # fmt: skip
    assert [(m["alias"], m["to"], m["action"]) for m in moves] == [
        ("production", 1, "move"),
        ("canary", 2, "move"),
        ("canary", None, "promote"),
        ("production", 2, "promote"),
        ("production", 1, "rollback"),
    ]
    assert moves[-1]["by"] == "bob" and moves[-1]["reason"] == "worse after all"

    run = client.get_run(second.tags["fmos.eval.run_id"])
    assert run.info.experiment_id == mirror.experiment_id
    assert run.info.status == "FINISHED"
    assert run.data.params["vfm"] == "default"
    assert run.data.params["kind"] == "system_prompt"
    assert run.data.params["version"] == "2"
    assert run.data.params["source"] == "offline"
    assert run.data.params["n"] == "10"
    assert run.data.metrics == {
        "accuracy": 0.8, "baseline_accuracy": 0.6, "delta": 0.2, "n": 10.0, "cases.passed": 8.0
    }  # fmt: skip
    linked = json.loads(run.data.tags["mlflow.linkedPrompts"])
    assert linked == [{"name": PROMPT, "version": str(numbers["2"])}]

    experiment = client.get_experiment(mirror.experiment_id)
    assert experiment.name == "fmos"
    assert experiment.artifact_location.endswith(f"{fmos_home.name}/mlflow-artifacts")
    assert not (tmp_path / "mlruns").exists()


def test_sending_the_same_version_or_evaluation_twice_records_it_once(
    db: Database, mirror: MLflowMirror
) -> None:
    store = VersionStore(db)
    store.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    store.evaluate("default", "system_prompt", 1, EVALUATION)
    version = store.get("default", "system_prompt", 1)
    for _ in range(2):
        mirror.version(version)
        mirror.evaluation(version)
    client = client_of(mirror)
    assert by_fmos_version(client, PROMPT) == {"1": 1}
    assert len(client.search_runs([mirror.experiment_id])) == 1


def test_mlflow_numbers_may_differ_the_tags_map_them(db: Database, mirror: MLflowMirror) -> None:
    client = client_of(mirror)
    client.create_prompt(PROMPT)
    client.create_prompt_version(PROMPT, "made in MLflow by hand")  # MLflow's version 1
    versions = registry(db, mirror)
    versions.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    versions.move("default", "system_prompt", "production", 1, by="ann", reason="start")
    assert by_fmos_version(client, PROMPT) == {"1": 2}
    assert client.get_prompt_version_by_alias(PROMPT, "production").version == 2
    assert mirror.prompt_version("default", "system_prompt", 1).version == 2


def test_demonstrations_and_policies_are_mirrored(db: Database, mirror: MLflowMirror) -> None:
    versions = registry(db, mirror)
    examples = [{"input": "1+1?", "output": "2", "trace": "t1"}]
    versions.register("default", "demonstrations", {"examples": examples, "family": "math"}, by="a")
    policy = {"levels": {"easy": "off", "hard": "high"}, "default": "low"}
    versions.register("default", "policy", policy, by="a")
    versions.move("default", "policy", "pinned", 1, by="a", reason="reproduce a run")
    client = client_of(mirror)

    shots = mirror.prompt_version("default", "demonstrations", 1)
    assert shots is not None and shots.name == "fmos.default.demonstrations"
    assert shots.template == [
        {"role": "user", "content": "1+1?"},
        {"role": "assistant", "content": "2"},
    ]
    assert shots.tags["fmos.family"] == "math"
    rules = mirror.prompt_version("default", "policy", 1)
    assert rules is not None and json.loads(rules.template) == policy
    assert aliased(client, "fmos.default.policy", "pinned") == "1"


def test_vfm_names_mlflow_forbids_are_rewritten_apart(db: Database, mirror: MLflowMirror) -> None:
    versions = registry(db, mirror)
    versions.register("team a", "system_prompt", {"text": "A"}, by="x")
    versions.register("team_a", "system_prompt", {"text": "B"}, by="x")
    a = mirror.prompt_version("team a", "system_prompt", 1)
    b = mirror.prompt_version("team_a", "system_prompt", 1)
    assert a is not None and b is not None and a.name != b.name
    assert (a.template, b.template, a.tags["fmos.vfm"]) == ("A", "B", "team a")


def test_traces_are_exported_once_with_spans_and_tokens(
    tmp_path: Path, mirror: MLflowMirror
) -> None:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/kernel.db"},
            "pfms": {"s": {"driver": "scripted", "options": {"replies": ["four", "nine"]}}},
            "vfms": {"default": {"pfms": ["s"]}},
        }
    )
    with FMOS(config) as fmos:
        assert fmos.db is not None
        versions = registry(fmos.db, mirror)
        versions.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
        versions.move("default", "system_prompt", "production", 1, by="ann", reason="start")
        fmos.vfm("default").invoke("What is two plus two?")
        fmos.vfm("default").invoke("What is three squared?")
        fmos.flush()
        records = [fmos.traces.get(r.id) for r in fmos.traces.list()]
    assert len(records) == 2

    assert mirror.traces(records) == 2
    client = client_of(mirror)
    traces = client.search_traces(locations=[mirror.experiment_id])
    assert sorted(t.info.tags["fmos.trace_id"] for t in traces) == sorted(r.id for r in records)
    for trace in traces:
        record = next(r for r in records if r.id == trace.info.tags["fmos.trace_id"])
        root = next(s for s in trace.data.spans if s.parent_id is None)
        children = [s for s in trace.data.spans if s.parent_id == root.span_id]
        assert [s.name for s in children] == [s.name for s in record.spans]
        assert "execute" in [s.name for s in children]
        assert root.inputs["messages"][-1]["content"] == record.request["messages"][-1]["content"]
        assert root.outputs == record.response["message"]["content"]
        assert root.attributes["fmos.input_tokens"] == record.input_tokens > 0
        assert root.attributes["fmos.output_tokens"] == record.output_tokens > 0
        assert root.attributes["fmos.pfm"] == "s"
        assert trace.info.token_usage["total_tokens"] == record.input_tokens + record.output_tokens
        assert all(root.start_time_ns <= s.start_time_ns <= root.end_time_ns for s in children)
        assert root.attributes["fmos.prompt_versions"] == {"system_prompt": "v1 (production)"}
        assert json.loads(trace.info.tags["mlflow.linkedPrompts"]) == [
            {"name": PROMPT, "version": "1"}
        ]

    linked = client.search_traces(
        locations=[mirror.experiment_id], filter_string=f"prompt = '{PROMPT}/1'"
    )
    assert len(linked) == 2  # the prompt version's page lists them

    assert mirror.traces(records) == 0
    assert len(client.search_traces(locations=[mirror.experiment_id])) == 2


def test_an_unreachable_mirror_waits_then_sync_delivers_in_order(db: Database) -> None:
    down = MLflowMirror.from_options({"tracking_uri": "http://127.0.0.1:9"})
    versions = registry(db, down)
    started = time.monotonic()
    lifecycle(versions)
    assert time.monotonic() - started < 10  # each failing call returns at once
    assert [v.version for v in versions.list("default", "system_prompt")] == [1, 2]
    assert versions.alias("default", "system_prompt", "production") == 1
    status = versions.status()
    assert status.waiting == 8  # 2 versions, 1 evaluation, 5 alias moves
    assert "MLflowUnavailable: MLflow at http://127.0.0.1:9 could not" in (status.error or "")
    assert "http://127.0.0.1:9" in str(status)
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ  # the scoped setting is gone

    up = MLflowMirror.from_options({})
    synced = registry(db, up).sync()
    assert synced.waiting == 0
    client = client_of(up)
    assert sorted(by_fmos_version(client, PROMPT)) == ["1", "2"]
    assert aliased(client, PROMPT, "production") == "1"
    assert aliased(client, PROMPT, "canary") is None
    assert len(client.search_runs([up.experiment_id])) == 1


def test_versions_made_before_the_mirror_are_backfilled(db: Database) -> None:
    local = VersionRegistry(VersionStore(db), None, MirrorOutbox(db))
    lifecycle(local)  # no mirror yet: nothing waits, nothing is sent
    assert local.status().waiting == 0

    up = MLflowMirror.from_options({})
    assert registry(db, up).sync(backfill=["default"]).waiting == 0
    client = client_of(up)
    assert sorted(by_fmos_version(client, PROMPT)) == ["1", "2"]
    assert aliased(client, PROMPT, "production") == "1"
    assert len(client.search_runs([up.experiment_id])) == 1
    assert registry(db, up).sync(backfill=["default"]).waiting == 0  # again: no duplicates
    assert sorted(by_fmos_version(client, PROMPT)) == ["1", "2"]
    assert len(client.search_runs([up.experiment_id])) == 1


def test_a_read_only_store_keeps_changes_waiting(
    db: Database, fmos_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fmos_home)  # MLflow makes a folder named after a `file:` URI here
    writable = MLflowMirror.from_options({})
    registry(db, writable).register("default", "system_prompt", {"text": "A"}, by="x")
    path = writable.tracking_uri.removeprefix("sqlite:///")
    read_only = MLflowMirror.from_options(
        {"tracking_uri": f"sqlite:///file:{path}?mode=ro&uri=true"}
    )
    versions = registry(db, read_only)
    versions.register("default", "system_prompt", {"text": "B"}, by="x")
    status = versions.status()
    assert status.waiting == 1
    assert "readonly database" in (status.error or "")
    assert read_only.prompt_version("default", "system_prompt", 1) is not None  # reads work
    with pytest.raises(MLflowUnavailable, match="readonly database"):
        read_only.version(versions.get("default", "system_prompt", 2))


def test_options_are_checked_and_the_entry_point_builds_the_mirror() -> None:
    with pytest.raises(ConfigError, match="tracking_uri"):
        MLflowMirror.from_options({"tracking_uri": "nowhere"})
    with pytest.raises(ConfigError, match="unknown key 'experimnt'"):
        MLflowMirror.from_options({"experimnt": "x"})
    with pytest.raises(ConfigError, match="http_timeout"):
        MLflowMirror.from_options({"http_timeout": 0})
    built = load_mirror("mlflow", {"tracking_uri": "sqlite:////tmp/x.db", "experiment": "e"})
    assert isinstance(built, MLflowMirror)
    assert built.describe() == "MLflow at sqlite:////tmp/x.db"


def test_the_public_api_is_the_export_list() -> None:
    import fmos_mlflow

    assert fmos_mlflow.__all__ == ["MLflowMirror", "MLflowOptions", "MLflowUnavailable"]
