"""Versions of a VFM's artifacts, their aliases and the alias history, on SQLite and
PostgreSQL: register, canary, promote, rollback (never past the first), pin."""

from __future__ import annotations

import json
import threading

import pytest

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.evolution import VersionStore

V, K = "default", "system_prompt"


@pytest.fixture
def store(db) -> VersionStore:
    return VersionStore(db)


def test_versions_are_numbered_immutable_and_listed(store) -> None:
    one = store.register(V, K, {"text": "Be brief."}, by="ann", note="first")
    two = store.register(V, K, {"text": "Be exact."}, by="fmos")
    other = store.register(V, "policy", {"threshold": 0.5}, by="fmos")
    assert (one.version, two.version, other.version) == (1, 2, 1)
    assert store.get(V, K, 1).body == {"text": "Be brief."} and store.get(V, K, 1).note == "first"
    assert [v.version for v in store.list(V, K)] == [1, 2]
    store.evaluate(V, K, 2, {"accuracy": 0.7, "items": 40})
    assert store.get(V, K, 2).evaluation == {"accuracy": 0.7, "items": 40}


def test_canary_promotion_and_rollback_keep_a_history(store) -> None:
    for text in ("a", "b", "c"):
        store.register(V, K, {"text": text}, by="fmos")
    store.move(V, K, "production", 1, by="ann", reason="initial")
    store.move(V, K, "canary", 2, by="fmos", reason="proposed from traces")
    promoted = store.promote(V, K, by="fmos", reason="canary scored 0.8 vs 0.6")
    assert (promoted.from_version, promoted.to_version) == (1, 2)
    assert store.alias(V, K, "production") == 2 and store.alias(V, K, "canary") is None
    store.move(V, K, "production", 3, by="ann", reason="hand-picked")
    back = store.rollback(V, K, by="fmos", reason="regression")
    assert (back.from_version, back.to_version) == (3, 2)
    assert store.serving(V, K) == 2
    moves = [(m.alias, m.from_version, m.to_version) for m in store.history(V, K)]
    assert moves == [
        ("production", None, 1),
        ("canary", None, 2),
        ("canary", 2, None),
        ("production", 1, 2),
        ("production", 2, 3),
        ("production", 3, 2),
    ]
    last = store.history(V, K, "production")[-1]
    assert (last.action, last.reason) == ("rollback", "regression")
    again = store.rollback(V, K, by="fmos", reason="still bad")  # further back, not undo
    assert (again.from_version, again.to_version) == (2, 1)
    with pytest.raises(BadRequest, match="it is at 1, its first"):
        store.rollback(V, K, by="fmos", reason="past the first")


def test_a_rollback_past_the_first_version_is_refused_and_changes_nothing(store) -> None:
    store.register(V, K, {"text": "a"}, by="fmos")
    with pytest.raises(BadRequest, match="no earlier version to roll back to"):
        store.rollback(V, K, by="fmos", reason="nothing there")
    store.move(V, K, "production", 1, by="ann", reason="initial")
    with pytest.raises(BadRequest, match=r"it is at 1, its first"):
        store.rollback(V, K, by="fmos", reason="past the first")
    assert store.alias(V, K, "production") == 1 and len(store.history(V, K)) == 1


def test_a_pin_overrides_production_until_it_is_unset(store) -> None:
    for text in ("a", "b"):
        store.register(V, K, {"text": text}, by="fmos")
    store.move(V, K, "production", 2, by="ann", reason="initial")
    store.move(V, K, "pinned", 1, by="ann", reason="reproduce run 17")
    assert store.serving(V, K) == 1
    store.move(V, K, "pinned", None, by="ann", reason="done")
    assert store.serving(V, K) == 2


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda s: s.move(V, K, "production", 9, by="a", reason="r"),
            UnknownRecord,
            "no version 9",
        ),
        (lambda s: s.move(V, K, "beta", 1, by="a", reason="r"), BadRequest, "unknown alias 'beta'"),
        (lambda s: s.register(V, "weights", {}, by="a"), BadRequest, "unknown artifact kind"),
        (lambda s: s.promote(V, K, by="a", reason="r"), BadRequest, "has no canary to promote"),
    ],
    ids=["unknown version", "unknown alias", "unknown kind", "no canary"],
)
def test_bad_input_is_a_typed_error_and_nothing_moves(store, call, error, message) -> None:
    store.register(V, K, {"text": "a"}, by="fmos")
    with pytest.raises(error, match=message):
        call(store)
    assert store.history(V, K) == [] and store.alias(V, K, "production") is None


def test_concurrent_registrations_get_distinct_numbers(store) -> None:
    def register(i: int) -> None:
        store.register(V, K, {"text": str(i)}, by=f"writer-{i}")

    writers = [threading.Thread(target=register, args=(i,)) for i in range(8)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    versions = store.list(V, K)
    assert [v.version for v in versions] == list(range(1, 9))
    assert sorted(v.body["text"] for v in versions) == [str(i) for i in range(8)]


@pytest.fixture
def cli_store(tmp_path, monkeypatch) -> VersionStore:
    """A store the CLI reads through $FMOS_CONFIG, with three prompt versions."""
    from fmos_core.store import Database

    url = f"sqlite:///{tmp_path}/s.db"
    config = tmp_path / "fmos.toml"
    config.write_text(f'[state]\nurl = "{url}"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    store = VersionStore(Database(url))
    for text in ("Be brief.", "Be exact.", "Be kind."):
        store.register(V, K, {"text": text}, by="fmos", note=text)
    return store


def test_the_cli_promotes_rolls_back_pins_and_diffs(cli_store, capsys) -> None:
    from kernels import run_cli

    assert run_cli(capsys, "versions", "promote", "1")[1].strip() == (
        "default/system_prompt production: none -> 1"
    )
    run_cli(capsys, "versions", "promote", "2", "--canary")
    code, out, err = run_cli(capsys, "versions", "promote", "--reason", "canary won")
    assert (code, out.strip()) == (0, "default/system_prompt production: 1 -> 2"), err
    code, out, _ = run_cli(capsys, "versions", "list")
    assert code == 0 and "production" in out and "Be exact." in out
    assert run_cli(capsys, "versions", "rollback")[1].strip().endswith("production: 2 -> 1")
    code, _, err = run_cli(capsys, "versions", "rollback")
    assert code == 2 and "no earlier version to roll back to" in " ".join(err.split())
    run_cli(capsys, "versions", "pin", "3")
    assert cli_store.serving(V, K) == 3
    run_cli(capsys, "versions", "pin", "--unset")
    assert cli_store.serving(V, K) == 1
    code, out, _ = run_cli(capsys, "versions", "diff", "1", "2")
    assert code == 0 and '-  "text": "Be brief."' in out and '+  "text": "Be exact."' in out
    code, out, _ = run_cli(capsys, "versions", "show", "2", "--json")
    shown = json.loads(out)
    assert shown["body"] == {"text": "Be exact."}
    assert [(m["alias"], m["to_version"]) for m in shown["moves"]][:2] == [
        ("canary", 2),
        ("canary", None),
    ]
    code, _, err = run_cli(capsys, "versions", "show", "9")
    assert code == 2 and "no version 9" in err


def serve(tmp_path, canary_share: float):
    from fmos_core import FMOS, Config
    from fmos_core.testing import RecordingBackend, ScriptedBackend

    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "system_prompt": "configured prompt",
                    "rollout": {"canary_share": canary_share},
                }
            },
        }
    )
    recording = RecordingBackend(ScriptedBackend(["ok"], repeat=True))
    return FMOS(config, backends={"s": recording}), recording


def test_calls_get_the_served_version_of_the_system_prompt(tmp_path) -> None:
    fmos, recording = serve(tmp_path, canary_share=0.0)
    with fmos:
        first = fmos.vfm().invoke("hi")
        assert recording.requests[-1].messages[0].content == "configured prompt"
        assert first.provenance.prompt_versions == {}  # no version set: the config's prompt
        store = VersionStore(fmos.db)
        for text in ("Be brief.", "Be exact."):
            store.register(V, K, {"text": text}, by="fmos")
        store.move(V, K, "production", 1, by="ann", reason="initial")
        store.move(V, K, "canary", 2, by="fmos", reason="trial")
        fmos.prompt_versions.forget()
        served = fmos.vfm().invoke("hi")
        assert recording.requests[-1].messages[0].content == "Be brief."
        assert served.provenance.prompt_versions == {"system_prompt": "v1 (production)"}
        store.move(V, K, "pinned", 2, by="ann", reason="reproduce")
        fmos.prompt_versions.forget()
        pinned = fmos.vfm().invoke("hi")
        assert pinned.provenance.prompt_versions == {"system_prompt": "v2 (pinned)"}
        assert fmos.traces.get(pinned.trace_id).provenance["prompt_versions"] == {
            "system_prompt": "v2 (pinned)"
        }


def test_the_canary_share_splits_sessions_stably(tmp_path) -> None:
    fmos, _ = serve(tmp_path, canary_share=0.5)
    with fmos:
        store = VersionStore(fmos.db)
        for text in ("Be brief.", "Be exact."):
            store.register(V, K, {"text": text}, by="fmos")
        store.move(V, K, "production", 1, by="ann", reason="initial")
        store.move(V, K, "canary", 2, by="fmos", reason="trial")
        fmos.prompt_versions.forget()
        sides = {}
        for i in range(40):
            versions = {
                fmos.vfm().invoke("hi", session=f"s{i}").provenance.prompt_versions["system_prompt"]
                for _ in range(2)
            }
            assert len(versions) == 1  # a session stays on its side
            sides[i] = versions.pop()
    canary = sum(v == "v2 (canary)" for v in sides.values())
    assert 8 <= canary <= 32  # about half of 40 sessions
