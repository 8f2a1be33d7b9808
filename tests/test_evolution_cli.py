"""Self-evolution from the command line and through a kernel mirrored to MLflow.

Every test writes a TOML config in ``tmp_path`` and passes it with ``--config``; the
state store is real (SQLite, and PostgreSQL where the ``db_url`` fixture is cheap), and
so is MLflow: a SQLite tracking store copied from one prepared once per session.

The CLI builds its own kernel from the config, so its pFM is the ``scripted`` driver,
whose options are a list of replies played in turn — they cannot depend on the prompt.
The CLI's evolution tests therefore script by call order: a fresh ``fmos evolve``
replays the eval set first with what is served now, then with the candidate, so the
first replies judge the baseline and the next ones the candidate. The kernel test at
the end uses a prompt-dependent "student" pFM (as ``test_evolution.py`` does) through
the Python API.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from kernels import run_cli
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from fmos_core import FMOS, Completion, Config, Request
from fmos_core.errors import VerificationFailed
from fmos_core.evolution.setup import version_registry
from fmos_core.evolution.versions import VersionStore
from fmos_core.store import Database
from fmos_core.testing import ScriptedBackend

# MLflow 3.x's own SQLAlchemy models use a loader SQLAlchemy 2.1 deprecates
pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)

GOOD, BAD = "7", "no idea"
# questions whose answer is 7, distinct enough that curation keeps each of them
TRAFFIC = [f"What is {q}?" for q in ("0+7", "1+6", "2+5", "3+4", "8-1", "9-2")]
EVAL_ITEMS = [
    {"prompt": "What is 3+4?", "expect": "^7$"},
    {"prompt": "What is 6+1?", "expect": "^7$"},
    {"prompt": "What is 5+2?", "expect": "^7$"},
    {"prompt": "What is 10-3?", "expect": "^7$"},
]
DEMOS = "fmos.default.demonstrations"
PROMPT = "fmos.default.system_prompt"
DOWN = "http://127.0.0.1:9"


# --- config, MLflow and CLI helpers -------------------------------------------------


def toml(tables: dict[str, dict[str, Any]]) -> str:
    """TOML tables of strings, numbers, booleans and lists (JSON spells them alike)."""
    return "\n".join(
        f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in body.items())
        for name, body in tables.items()
    )


def write_config(
    path: Path,
    url: str,
    *,
    replies: list[str] | None = None,
    rollout: dict[str, Any] | None = None,
    mirror: dict[str, Any] | None = None,
) -> Path:
    """A config: the scripted pFM ``s`` behind the VFM ``default``, the store at ``url``,
    the MLflow mirror with ``mirror`` as its options when given."""
    tables: dict[str, dict[str, Any]] = {
        "state": {"url": url},
        "pfms.s": {"driver": "scripted"},
        "pfms.s.options": {"replies": replies or [GOOD]},
        "vfms.default": {"pfms": ["s"]},
        "vfms.default.rollout": rollout or {},
    }
    if mirror is not None:
        tables["evolution"] = {"mirror": "mlflow"}
        tables["evolution.mirror_options"] = mirror
    path.write_text(toml(tables), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def empty_mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow database with its tables made once (creating them takes seconds)."""
    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def mlflow_uri(empty_mlflow_db: Path, tmp_path: Path) -> str:
    """A working MLflow tracking store of this test's own."""
    return f"sqlite:///{shutil.copy(empty_mlflow_db, tmp_path / 'mlflow.db')}"


def mlflow_client(uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def aliased(client: MlflowClient, name: str, alias: str) -> str | None:
    """The FMOS version number MLflow's ``alias`` of prompt ``name`` points at, or None."""
    try:
        return client.get_prompt_version_by_alias(name, alias).tags["fmos.version"]
    except MlflowException:
        return None


def mirrored(client: MlflowClient, name: str) -> dict[str, Any]:
    """The MLflow prompt versions of ``name`` by their FMOS version number."""
    return {v.tags["fmos.version"]: v for v in client.search_prompt_versions(name)}


def cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    """``fmos --config CONFIG ARGS…``: (exit code, stdout, stderr with its wrapping undone)."""
    code, out, err = run_cli(capsys, "--config", str(config), *args)
    return code, out, " ".join(err.split())


def serve(config: Path, prompts: list[str]) -> list[tuple[str, str, str | None]]:
    """Send ``prompts`` through a kernel built from ``config``, one session each:
    (trace id, answer, the demonstrations version that served it)."""
    served = []
    with FMOS.from_config(config) as fmos:
        for i, prompt in enumerate(prompts):
            answer = fmos.vfm().invoke(prompt, session=f"user-{i}")
            demos = answer.provenance.prompt_versions.get("demonstrations")
            served.append((answer.trace_id, answer.text, demos))
    return served


def judge_by_cli(
    capsys: pytest.CaptureFixture[str], config: Path, served: list[tuple[str, str, Any]]
) -> None:
    """Rate every answer with ``fmos feedback``: 1 when it is the good answer, else 0."""
    for trace, text, _ in served:
        code, out, err = cli(capsys, config, "feedback", trace[:12], "1" if text == GOOD else "0")
        assert code == 0 and out.startswith(f"rated trace {trace}"), err


# --- 1. fmos evolve -------------------------------------------------------------------


@pytest.fixture
def eval_set(tmp_path: Path) -> Path:
    path = tmp_path / "sevens.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in EVAL_ITEMS), encoding="utf-8")
    return path


def test_evolve_makes_a_better_candidate_the_canary(
    db_url: str, tmp_path: Path, eval_set: Path, capsys
) -> None:
    # a fresh process answers badly four times, then well four times, in a loop:
    # the baseline replay gets the bad answers, the candidate's the good ones
    config = write_config(tmp_path / "fmos.toml", db_url, replies=[BAD] * 4 + [GOOD] * 4)
    judge_by_cli(capsys, config, serve(config, TRAFFIC))

    code, out, err = cli(capsys, config, "evolve", "--eval-set", str(eval_set))
    assert code == 0, err
    assert out.splitlines() == [
        "default/demonstrations v1 is the canary",
        "offline: 100% against 0% served now, on 4 cases",
    ]
    store = VersionStore(Database(db_url))
    version = store.get("default", "demonstrations", 1)
    assert store.alias("default", "demonstrations", "canary") == 1
    assert store.alias("default", "demonstrations", "production") is None
    assert {e["output"] for e in version.body["examples"]} == {GOOD}  # only good answers
    assert {e["input"] for e in version.body["examples"]} == set(TRAFFIC[4:])
    assert version.evaluation is not None
    assert (version.evaluation["source"], version.evaluation["cases"]) == ("eval set", 4)

    code, out, err = cli(capsys, config, "evolve", "--eval-set", str(eval_set), "--json")
    assert code == 0, err
    step = json.loads(out)
    assert (step["alias"], step["version"]["version"]) == ("canary", 2)
    evaluation = step["version"]["evaluation"]
    assert (evaluation["accuracy"], evaluation["baseline_accuracy"]) == (1.0, 0.0)
    assert evaluation["passed"] is True
    assert store.alias("default", "demonstrations", "canary") == 2


def test_evolve_keeps_a_worse_candidate_on_record_serving_nothing(
    db_url: str, tmp_path: Path, eval_set: Path, capsys
) -> None:
    # now the baseline replay gets the good answers and the candidate's the bad ones
    config = write_config(tmp_path / "fmos.toml", db_url, replies=[GOOD] * 4 + [BAD] * 4)
    judge_by_cli(capsys, config, serve(config, TRAFFIC))

    code, out, err = cli(capsys, config, "evolve", "--eval-set", str(eval_set))
    assert code == 2 and out == ""
    assert "CandidateRejected: candidate v1 of default/demonstrations scored 0% on 4 cases " in err
    assert "against 100% for what is served now (chance alone explains" in err

    code, out, err = cli(capsys, config, "versions", "list", "--kind", "demonstrations", "--json")
    assert code == 0, err
    [listed] = json.loads(out)
    assert (listed["version"], listed["aliases"]) == (1, [])
    assert listed["evaluation"]["passed"] is False
    assert (listed["evaluation"]["accuracy"], listed["evaluation"]["baseline_accuracy"]) == (0, 1)
    code, out, _ = cli(capsys, config, "versions", "list", "--kind", "demonstrations")
    [row] = [line for line in out.splitlines() if "demonstrations" in line]
    assert re.search(r"demonstrations\s*│\s*1\s*│\s*│", row)  # no alias
    assert '"passed": false' in out
    assert VersionStore(Database(db_url)).history("default", "demonstrations") == []


def test_an_evolution_while_mlflow_is_down_is_mirrored_by_sync(
    tmp_path: Path, eval_set: Path, mlflow_uri: str, capsys
) -> None:
    url, replies = f"sqlite:///{tmp_path}/s.db", [BAD] * 4 + [GOOD] * 4
    down = write_config(
        tmp_path / "down.toml",
        url,
        replies=replies,
        mirror={"tracking_uri": DOWN, "http_timeout": 0.5},
    )
    up = write_config(
        tmp_path / "up.toml", url, replies=replies, mirror={"tracking_uri": mlflow_uri}
    )
    judge_by_cli(capsys, down, serve(down, TRAFFIC))

    code, out, err = cli(capsys, down, "evolve", "--eval-set", str(eval_set))
    assert (code, out.splitlines()[0]) == (0, "default/demonstrations v1 is the canary"), err
    code, out, _ = cli(capsys, down, "versions", "status", "--json")
    assert json.loads(out)["waiting"] == 3  # the version, its evaluation, the canary alias

    assert cli(capsys, up, "versions", "sync")[0] == 0
    client = mlflow_client(mlflow_uri)
    version = mirrored(client, DEMOS)["1"]
    assert [m["content"] for m in version.template if m["role"] == "assistant"] == [GOOD] * 2
    run = client.get_run(version.tags["fmos.eval.run_id"])
    assert (run.data.metrics["accuracy"], run.data.metrics["baseline_accuracy"]) == (1.0, 0.0)
    assert run.data.params["source"] == "eval set"
    assert aliased(client, DEMOS, "canary") == "1"


def test_evolve_without_an_eval_set_or_judged_traces_says_what_to_do(
    tmp_path: Path, eval_set: Path, capsys
) -> None:
    config = write_config(tmp_path / "fmos.toml", f"sqlite:///{tmp_path}/s.db")
    code, out, err = cli(capsys, config, "evolve")
    assert code == 2 and out == ""
    assert "it has none; name an eval set (--eval-set FILE)" in err
    code, _, err = cli(capsys, config, "evolve", "--eval-set", str(eval_set))
    assert code == 2 and "no verified good answers to curate demonstrations from" in err
    code, _, err = cli(capsys, config, "evolve", "--eval-set", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "does not exist" in err


# --- 2. fmos versions status / sync with the MLflow mirror ----------------------------


def test_promotions_are_mirrored_and_wait_while_mlflow_is_down(
    tmp_path: Path, mlflow_uri: str, capsys
) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    up = write_config(tmp_path / "up.toml", url, mirror={"tracking_uri": mlflow_uri})
    down = write_config(
        tmp_path / "down.toml", url, mirror={"tracking_uri": DOWN, "http_timeout": 0.5}
    )
    registry = version_registry(Database(url), Config.load(up).evolution)
    for text in ("Be brief.", "Be exact."):
        registry.register("default", "system_prompt", {"text": text}, by="ann")
    client = mlflow_client(mlflow_uri)

    assert cli(capsys, up, "versions", "promote", "1")[:2] == (
        0,
        "default/system_prompt production: none -> 1\n",
    )
    assert cli(capsys, up, "versions", "promote", "2", "--canary")[0] == 0
    assert (aliased(client, PROMPT, "production"), aliased(client, PROMPT, "canary")) == ("1", "2")
    assert cli(capsys, up, "versions", "status")[1] == f"MLflow at {mlflow_uri}: in step\n"

    # MLflow unreachable: the promotion holds locally, its two alias moves wait
    code, out, err = cli(capsys, down, "versions", "promote")
    assert (code, out) == (0, "default/system_prompt production: 1 -> 2\n"), err
    assert registry.alias("default", "system_prompt", "production") == 2
    code, out, _ = cli(capsys, down, "versions", "status")
    said = " ".join(out.split())
    assert code == 0 and said.startswith(f"MLflow at {DOWN}: 2 change(s) not mirrored yet (")
    assert f"(MLflowUnavailable: MLflow at {DOWN} " in said
    assert said.endswith("`fmos versions sync` sends them")
    code, out, _ = cli(capsys, down, "versions", "sync", "--json")
    status = json.loads(out)
    assert code == 1 and status["waiting"] == 2 and "MLflowUnavailable" in status["error"]
    assert aliased(client, PROMPT, "production") == "1"  # MLflow has not moved

    # MLflow back: sync sends the waiting moves in order
    code, out, _ = cli(capsys, up, "versions", "sync")
    assert (code, out) == (0, f"MLflow at {mlflow_uri}: in step\n")
    assert sorted(mirrored(client, PROMPT)) == ["1", "2"]
    assert (aliased(client, PROMPT, "production"), aliased(client, PROMPT, "canary")) == ("2", None)
    code, out, _ = cli(capsys, up, "versions", "status", "--json")
    assert json.loads(out) == {"target": f"MLflow at {mlflow_uri}", "waiting": 0, "error": None}


def test_a_mirror_that_is_down_is_said_to_be_unreachable(
    tmp_path: Path, mlflow_uri: str, capsys
) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    up = write_config(tmp_path / "up.toml", url, mirror={"tracking_uri": mlflow_uri})
    down = write_config(
        tmp_path / "down.toml", url, mirror={"tracking_uri": DOWN, "http_timeout": 0.5}
    )
    registry = version_registry(Database(url), Config.load(up).evolution)
    registry.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    assert cli(capsys, down, "versions", "promote", "1")[0] == 0
    said = " ".join(cli(capsys, down, "versions", "status")[1].split())
    assert "1 change(s) not mirrored yet" in said
    assert "never mirrored" not in said and f"MLflow at {DOWN} could not move" in said


# --- 3. fmos versions watch -----------------------------------------------------------


@pytest.mark.parametrize(
    ("canary_good", "action", "production", "as_json"),
    [(True, "promote", 1, False), (False, "rollback", None, True)],
    ids=["good canary promoted", "bad canary rolled back (--json)"],
)
def test_watch_judges_a_canary_on_its_live_scores(
    db_url: str, tmp_path: Path, capsys, canary_good: bool, action: str, production, as_json: bool
) -> None:
    rollout = {"canary_share": 0.5, "window": 4, "watch": False}  # only the CLI acts
    config = write_config(tmp_path / "fmos.toml", db_url, rollout=rollout)
    store = VersionStore(Database(db_url))
    shots = {"examples": [{"input": "What is 1+6?", "output": "7"}], "family": None}
    store.register("default", "demonstrations", shots, by="ann")
    store.move("default", "demonstrations", "canary", 1, by="ann", reason="try it")

    served = serve(config, [f"What is {i}+7?" for i in range(24)])
    on_canary = [demos == "v1 (canary)" for _, _, demos in served]
    assert 4 <= sum(on_canary) <= 20  # about half the sessions drew it
    assert {demos for _, _, demos in served} == {"v1 (canary)", None}
    with FMOS.from_config(config) as fmos:
        for (trace, _, _), canary in zip(served, on_canary, strict=True):
            fmos.feedback(trace, 1.0 if canary == canary_good else 0.0)

    code, out, err = cli(capsys, config, "versions", "watch", *(["--json"] if as_json else []))
    assert code == 0, err
    n_canary, n_production = sum(on_canary), len(served) - sum(on_canary)
    scores = (
        f"canary {n_canary if canary_good else 0}/{n_canary} good, "
        f"production {0 if canary_good else n_production}/{n_production}"
    )
    if as_json:
        [verdict] = json.loads(out)
        assert (verdict["kind"], verdict["version"], verdict["action"]) == (
            "demonstrations",
            1,
            action,
        )
        assert verdict["canary"] == {"good": 0, "judged": n_canary}
        assert verdict["reason"].startswith(scores)
    else:
        assert out == (
            f"default/demonstrations canary v1: {action} ({scores}: within the tolerance of 5%)\n"
        )
    assert store.alias("default", "demonstrations", "canary") is None
    assert store.alias("default", "demonstrations", "production") == production
    assert store.history("default", "demonstrations")[-1].by == "fmos-canary"
    assert cli(capsys, config, "versions", "watch")[1] == "default has no canary\n"


def test_a_usage_error_is_one_line_and_exit_code_2(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "fmos.toml", f"sqlite:///{tmp_path}/s.db")
    code, _, err = cli(capsys, config, "versions", "watch", "--vfm", "nope")
    assert code == 2 and "no VFM 'nope'; configured: default" in err


# --- 4. fmos traces export ------------------------------------------------------------


def test_traces_export_to_the_mirror_once(tmp_path: Path, mlflow_uri: str, capsys) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    config = write_config(tmp_path / "fmos.toml", url, mirror={"tracking_uri": mlflow_uri})
    served = serve(config, TRAFFIC[:3])

    code, out, err = cli(capsys, config, "traces", "export")
    assert (code, out) == (0, f"exported 3 new trace(s) of 3 to MLflow at {mlflow_uri}\n"), err
    client = mlflow_client(mlflow_uri)
    [experiment] = [e for e in client.search_experiments() if e.name == "fmos"]
    traces = client.search_traces(locations=[experiment.experiment_id])
    assert sorted(t.info.tags["fmos.trace_id"] for t in traces) == sorted(t for t, _, _ in served)
    code, out, _ = cli(capsys, config, "traces", "export", "--json")
    assert (code, json.loads(out)) == (0, {"exported": 0, "read": 3})

    down = write_config(tmp_path / "down.toml", url, mirror={"tracking_uri": DOWN})
    code, _, err = cli(capsys, down, "traces", "export")
    assert code == 2 and f"MLflow at {DOWN} did not take the traces" in err
    assert "they stay in FMOS's store" in err

    bare = write_config(tmp_path / "bare.toml", url)
    code, out, err = cli(capsys, bare, "traces", "export")
    assert (code, out) == (2, "")
    assert 'UserError: no mirror is configured; set [evolution] mirror = "mlflow"' in err


# --- 5. the kernel, mirrored: evolve, then live traffic promotes the canary ----------

QUESTION = re.compile(r"What is (\d+)\+(\d+)\?")


def student(request: Request) -> Completion:
    """Answers with the bare sum when an example shows that format, or when the first
    number is even; else with a sentence the app's check rejects."""
    asked = QUESTION.search(request.messages[-1].content or "")
    if asked is None:
        return Completion(content="I am not sure.", output_tokens=4)
    a, b = int(asked[1]), int(asked[2])
    shown = [m for m in request.messages[:-1] if m.role == "assistant"]
    if shown or a % 2 == 0:
        return Completion(content=str(a + b), input_tokens=10, output_tokens=1)
    return Completion(content=f"Well, the sum of {a} and {b} is {a + b}.", output_tokens=9)


def bare_number(request: Request, response: Any) -> bool | str:
    asked = QUESTION.search(request.messages[-1].content or "")
    if asked is None:
        return True
    return response.text.strip() == str(int(asked[1]) + int(asked[2])) or "not the bare number"


def ask_all(fmos: FMOS, pairs: list[tuple[int, int]], session: Callable[[int], str]) -> None:
    for i, (a, b) in enumerate(pairs):
        with suppress(VerificationFailed):  # a bad answer: judged and traced all the same
            fmos.vfm().invoke(f"What is {a}+{b}?", session=session(i))


def test_a_mirrored_kernel_evolves_and_promotes_in_mlflow(tmp_path: Path, mlflow_uri: str) -> None:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "rollout": {"canary_share": 0.5, "window": 8, "check_every": 4},
                }
            },
            "evolution": {"mirror": "mlflow", "mirror_options": {"tracking_uri": mlflow_uri}},
        }
    )
    backend = ScriptedBackend([student], repeat=True)
    client = mlflow_client(mlflow_uri)
    with FMOS(config, backends={"s": backend}, checks={"default": [bare_number]}) as fmos:
        ask_all(fmos, [(i, i + 3) for i in range(40)], lambda i: "train")
        step = fmos.evolve("default", "demonstrations")
        number = str(step.version.version)
        assert step.alias == "canary"

        version = mirrored(client, DEMOS)[number]
        assert float(version.tags["fmos.eval.accuracy"]) == 1.0
        run = client.get_run(version.tags["fmos.eval.run_id"])
        assert run.info.status == "FINISHED"
        assert run.data.metrics["accuracy"] == 1.0 > run.data.metrics["baseline_accuracy"]
        assert run.data.params["version"] == number
        assert aliased(client, DEMOS, "canary") == number
        assert aliased(client, DEMOS, "production") is None

        # odd questions: production's answers fail the check, the canary's pass
        ask_all(fmos, [(2 * i + 1, 5) for i in range(60)], lambda i: f"user-{i}")
        fmos.flush()
        assert fmos.canaries is not None and fmos.versions is not None
        fmos.canaries.wait()  # no one calls watch_canaries: the kernel's own watch acts
        assert fmos.versions.alias("default", "demonstrations", "production") == int(number)
        assert fmos.versions.alias("default", "demonstrations", "canary") is None
        assert fmos.versions.status().waiting == 0
        promoted = fmos.versions.history("default", "demonstrations")[-1]
        assert (promoted.action, promoted.by) == ("promote", "fmos-canary")
    assert aliased(client, DEMOS, "production") == number
    assert aliased(client, DEMOS, "canary") is None
