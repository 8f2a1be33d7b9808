"""The pFM pool: profiling (``fmos_core.pool``, ``fmos pool``) and Gemma 3 270M as a pFM.

The real pool is the embedded SmolLM2-135M, Gemma 3 270M (``model = "gemma3-270m"``)
and the OpenAI driver against a loopback ``llama_cpp.server``; it is profiled once
per module. The rest runs on scripted pFMs.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernels import run_cli
from servers import LlamaServer

from fmos_core import FMOS, Config
from fmos_core.errors import ConfigError, UnknownVFM, UserError
from fmos_core.pool import (
    EvalSetError,
    PoolProfile,
    ProfileStore,
    UnknownPFM,
    load_eval_set,
    measure_backend,
    pool_members,
    profile_pool,
)
from fmos_core.testing import ScriptedBackend

EXAMPLE_EVAL = Path(__file__).parent.parent / "examples" / "evals" / "pool_smoke.jsonl"

# Two real questions, one item every answer passes, one no answer can pass.
REAL_EVAL = [
    {"prompt": "What is the capital of France? Answer in one word.", "expect": "(?i)paris"},
    {"prompt": "What is 2 + 2? Answer with a number.", "expect": r"(?i)\b(4|four)\b"},
    {"prompt": "Say something.", "expect": "^", "max_tokens": 8},
    {"prompt": "Say hello.", "expect": "NEVER-MATCHES-[0-9]{40}", "max_tokens": 8},
]


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def _profiles_written(home: Path) -> list[Path]:
    return sorted((home / "artifacts" / "profiles").rglob("*.json"))


# -- the real pool ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_pool(
    llama_server: LlamaServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Config, Path, list[PoolProfile], ProfileStore]]:
    folder = tmp_path_factory.mktemp("real-pool")
    server = {
        "base_url": llama_server.base_url,
        "model": llama_server.model,
        "structured_output": "json_object",
        "timeout": 120,
    }
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{folder}/s.db"},
            "pfms": {
                "smollm2": {"driver": "llamacpp", "options": {"n_ctx": 1024}},
                "gemma": {"driver": "llamacpp", "options": {"model": "gemma3-270m"}},
                "server": {"driver": "openai", "options": server},
            },
            "vfms": {
                "default": {"pfms": ["smollm2", "gemma", "server"]},
                "gemma": {"pfms": ["gemma"]},
            },
        }
    )
    eval_file = _write_jsonl(folder / "eval.jsonl", REAL_EVAL)
    store = ProfileStore(folder / "profiles")
    profiles = asyncio.run(profile_pool(config, load_eval_set(eval_file), store))
    yield config, eval_file, profiles, store


@pytest.mark.model
@pytest.mark.server
def test_every_pfm_of_the_real_pool_is_profiled_plausibly(real_pool) -> None:
    _, eval_file, profiles, _ = real_pool
    assert [(p.pfm, p.driver) for p in profiles] == [
        ("smollm2", "llamacpp"),
        ("gemma", "llamacpp"),
        ("server", "openai"),
    ]
    versions = {p.pfm: p.model_version for p in profiles}
    assert versions["smollm2"] == "smollm2-135m-instruct-q4_1"
    assert versions["gemma"] == "gemma-3-270m-q4_k_m"
    assert versions["server"]  # the model id the server reports
    for p in profiles:
        assert 0 < p.load_s < 120, p
        assert 0 < p.ttft_ms < 60_000, p
        assert p.tokens_per_s > 0 and p.output_tokens > 0, p
        assert p.items == len(REAL_EVAL) and len(p.results) == len(REAL_EVAL)
        assert p.errors == 0, [r.error for r in p.results]
        assert p.eval_file == str(eval_file)
        # success is counted against the file's regexes
        items = load_eval_set(eval_file).items
        assert [r.ok for r in p.results] == [
            item.check(r.answer) for item, r in zip(items, p.results, strict=True)
        ]
        assert p.successes == sum(r.ok for r in p.results)
        assert p.results[2].ok and not p.results[3].ok  # "^" always passes; the other never
        assert abs(time.time() - p.created.timestamp()) < 3600


@pytest.mark.model
@pytest.mark.server
def test_real_profiles_are_versioned_readable_artifacts(real_pool) -> None:
    _, _, profiles, store = real_pool
    for p in profiles:
        assert store.stamps(p.pfm) == [p.stamp]
        assert (store.root / p.pfm / f"{p.stamp}.json").is_file()
        assert store.latest(p.pfm) == p


@pytest.mark.model
@pytest.mark.server
def test_pool_list_shows_the_latest_real_profiles(real_pool, tmp_path, fmos_home, capsys) -> None:
    config, _, profiles, store = real_pool
    shutil.copytree(store.root, fmos_home / "artifacts" / "profiles")
    toml = tmp_path / "fmos.toml"
    toml.write_text(_toml(config), encoding="utf-8")
    code, out, err = run_cli(capsys, "--config", str(toml), "pool", "list")
    assert code == 0, err
    for p in profiles:
        assert re.search(rf"{p.pfm}\s.*{re.escape(p.model_version[:20])}", out), out
        assert f"{p.successes}/{p.items}" in out


@pytest.mark.model
def test_gemma_answers_through_fmos(real_pool) -> None:
    config, *_ = real_pool
    with FMOS(config) as fmos:
        response = fmos.vfm("gemma").invoke(
            "What is the capital of France? Answer in one word.", max_tokens=16
        )
    assert response.pfm == "gemma"
    assert response.pfm_version == "gemma-3-270m-q4_k_m"
    assert re.search("(?i)paris", response.message.content), response.message.content
    assert response.usage.output_tokens > 0


# -- the llamacpp driver's model option --------------------------------------------------


def test_model_and_model_path_together_is_a_config_error(tmp_path) -> None:
    from fmos_llamacpp import LlamaCppBackend

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ConfigError, match=r"set model .* or model_path .* not both"):
        LlamaCppBackend.from_options({"model": "gemma3-270m", "model_path": str(gguf)}, pfm="g")
    with pytest.raises(ConfigError, match=r"\[pfms\.g\.options\]: model"):
        LlamaCppBackend.from_options({"model": "gemma-9000"}, pfm="g")


def test_bundled_models_resolve_to_their_files() -> None:
    from fmos_llamacpp import LlamaCppBackend

    assert LlamaCppBackend.from_options({}, pfm="s").version == "smollm2-135m-instruct-q4_1"
    smol = LlamaCppBackend.from_options({"model": "smollm2-135m-instruct"}, pfm="s")
    assert smol.version == "smollm2-135m-instruct-q4_1"
    gemma = LlamaCppBackend.from_options({"model": "gemma3-270m"}, pfm="g")
    assert gemma.version == "gemma-3-270m-q4_k_m"


def test_assembly_runs_once_under_concurrency_and_leaves_no_temp_file(tmp_path) -> None:
    from fmos_llamacpp._assemble import assemble_once

    calls: list[Path] = []

    def slow_assemble(output_path: Path, overwrite: bool) -> Path:
        calls.append(output_path)
        with open(output_path, "wb") as f:
            f.write(b"half")
            time.sleep(0.3)  # a reader must never see this half-written file
            f.write(b"-whole")
        return output_path

    target = tmp_path / "models" / "m.gguf"
    seen: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: seen.append(assemble_once(target, slow_assemble).read_bytes())
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and calls[0] != target
    assert seen == [b"half-whole"] * 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.gguf", "m.gguf.lock"]


# -- eval files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"prompt": "a", "expect": "a"}\nnot json\n', r":2: is not JSON .*JSONL"),
        ('["prompt", "expect"]\n', r":1: holds a JSON list, not an object"),
        ('{"prompt": "a", "expect": "(unclosed"}\n', r":1: expect '\(unclosed' is not a valid"),
        ('{"prompt": "a", "expect": "a", "answer": "a"}\n', r":1: unknown key 'answer'"),
        ('{"expect": "a"}\n', r':1: needs "prompt"'),
        ('{"prompt": "a"}\n', r':1: needs "expect"'),
        ('{"prompt": "a", "expect": "a", "max_tokens": 0}\n', r":1: max_tokens must be"),
        ("\n  \n", r"holds no item; add one JSON object a line"),
    ],
)
def test_a_bad_eval_file_names_the_line_and_the_fix(tmp_path, content, match) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalSetError, match=match) as caught:
        load_eval_set(path)
    assert isinstance(caught.value, ConfigError) and str(path) in str(caught.value)


def test_a_missing_eval_file_is_a_config_error(tmp_path) -> None:
    with pytest.raises(EvalSetError, match="does not exist; pass an existing JSONL file"):
        load_eval_set(tmp_path / "nope.jsonl")


def test_the_example_eval_set_loads() -> None:
    evalset = load_eval_set(EXAMPLE_EVAL)
    assert 10 <= len(evalset.items) <= 20
    assert evalset.items[0].check("Paris.") and not evalset.items[0].check("Lyon")


# -- pools and bad names ----------------------------------------------------------------------


def _scripted_config(**vfms: list[str]) -> Config:
    pfms = {"a": {"driver": "scripted"}, "b": {"driver": "scripted"}, "c": {"driver": "scripted"}}
    return Config.parse({"pfms": pfms, "vfms": {k: {"pfms": v} for k, v in vfms.items()}})


def test_a_pfm_outside_the_pool_is_refused_with_the_pool_named() -> None:
    config = _scripted_config(default=["a", "b"])
    with pytest.raises(UnknownPFM, match=r"'c' is not in the pool of VFM 'default' \(it is decl"):
        pool_members(config, "default", "c")
    with pytest.raises(UnknownPFM, match=r"name one of a, b, or add it to \[vfms.default\] pfms"):
        pool_members(config, "default", "ghost")
    with pytest.raises(UnknownVFM, match="no VFM named 'other'"):
        pool_members(config, "other", None)


def test_a_pool_naming_an_undeclared_pfm_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.parse({"pfms": {"a": {"driver": "scripted"}}, "vfms": {"v": {"pfms": ["a", "x"]}}})
    message = str(caught.value)
    assert "vfms.v names 'x', which no [pfms.*] table declares (declared: a)" in message
    assert "add a [pfms.x] table with its driver, or remove 'x' from [vfms.v]" in message


# -- measuring and storing, on scripted pFMs --------------------------------------------------


def test_measure_counts_successes_and_failed_calls(tmp_path) -> None:
    from fmos_core.errors import BackendUnavailable

    evalset = load_eval_set(
        _write_jsonl(
            tmp_path / "e.jsonl",
            [{"prompt": "q1", "expect": "yes"}, {"prompt": "q2", "expect": "yes"},
             {"prompt": "q3", "expect": "yes"}],
        )
    )  # fmt: skip
    script = ["warm", "yes indeed", BackendUnavailable("down", pfm="s"), "no"]
    profile = asyncio.run(
        measure_backend(lambda: ScriptedBackend(script), evalset, pfm="s", driver="scripted")
    )
    assert (profile.items, profile.successes, profile.errors) == (3, 1, 1)
    assert [r.ok for r in profile.results] == [True, False, False]
    assert "BackendUnavailable: down" in (profile.results[1].error or "")
    assert profile.load_s > 0 and profile.ttft_ms > 0 and profile.tokens_per_s > 0
    assert profile.tokens_estimated is False and profile.output_tokens > 0


def test_profiles_are_never_overwritten_and_latest_is_newest(tmp_path) -> None:
    store = ProfileStore(tmp_path)
    base = PoolProfile(
        pfm="a", driver="scripted", model_version="v1", created_at="2026-01-01T00:00:00.000000Z",
        load_s=1.0, ttft_ms=1.0, tokens_per_s=1.0, items=1, successes=1,
    )  # fmt: skip
    first = store.save(base)
    second = store.save(base.replace(model_version="v2"))  # the same date: moved on by 1 µs
    assert first.stamp == "20260101T000000.000000Z"
    assert second.stamp == "20260101T000000.000001Z"
    assert store.load("a", first.stamp).model_version == "v1"
    assert store.latest("a") == second
    assert store.latest("b") is None


def test_a_corrupt_profile_is_a_config_error_naming_the_file(tmp_path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "20260101T000000.000000Z.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"20260101T000000\.000000Z\.json is corrupt .*--pfm a"):
        ProfileStore(tmp_path).latest("a")
    (folder / "20260101T000000.000000Z.json").write_text('{"schema": 1}', encoding="utf-8")
    with pytest.raises(ConfigError, match="is corrupt"):
        ProfileStore(tmp_path).latest("a")
    good = PoolProfile(
        pfm="a", driver="scripted", model_version="v", created_at="2026-01-01T00:00:00.000000Z",
        load_s=1.0, ttft_ms=1.0, tokens_per_s=1.0, items=1, successes=1,
    ).to_dict()  # fmt: skip
    (folder / "20260101T000000.000000Z.json").write_text(json.dumps({**good, "load_s": "slow"}))
    with pytest.raises(ConfigError, match=r"is corrupt \(load_s is 'slow', not a float"):
        ProfileStore(tmp_path).latest("a")


# -- the CLI on scripted pFMs ---------------------------------------------------------------


def _toml(config: Config) -> str:
    lines = [f'[state]\nurl = "{config.state.resolved_url()}"\n']
    for name, pfm in config.pfms.items():
        lines.append(f'[pfms.{name}]\ndriver = "{pfm.driver}"')
        if pfm.options:
            lines.append(f"options = {_inline(pfm.options)}")
    for name, vfm in config.vfms.items():
        lines.append(f"[vfms.{name}]\npfms = {json.dumps(vfm.pfms)}")
    return "\n".join(lines) + "\n"


def _inline(options: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in options.items()) + " }"


@pytest.fixture
def scripted_toml(tmp_path) -> Path:
    path = tmp_path / "fmos.toml"
    path.write_text(
        '[pfms.a]\ndriver = "scripted"\noptions = { replies = ["Paris"] }\n'
        '[pfms.b]\ndriver = "scripted"\noptions = { replies = ["Lyon"] }\n'
        '[vfms.default]\npfms = ["a", "b"]\n',
        encoding="utf-8",
    )
    return path


def test_cli_profiles_the_pool_and_lists_it(scripted_toml, tmp_path, fmos_home, capsys) -> None:
    evals = _write_jsonl(tmp_path / "e.jsonl", [{"prompt": "capital?", "expect": "Paris"}] * 2)
    args = ["--config", str(scripted_toml), "pool"]
    code, out, err = run_cli(capsys, *args, "profile", "--eval", str(evals), "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["pfm"], r["successes"], r["items"]) for r in rows] == [("a", 2, 2), ("b", 0, 2)]
    assert len(_profiles_written(fmos_home)) == 2

    code, out, err = run_cli(capsys, *args, "profile", "--pfm", "b")  # the built-in eval set
    assert code == 0, err
    assert re.search(r"b\s*│\s*scripted\s*│.*│\s*0/5\s*│", out), out
    assert len(_profiles_written(fmos_home)) == 3

    code, out, err = run_cli(capsys, *args, "list")
    assert code == 0, err
    assert re.search(r"a\s*│\s*scripted\s*│\s*scripted-1\s*│.*2/2", out), out
    assert re.search(r"b\s*│.*0/5\s*│\s*\d+s", out), out  # b's latest: the built-in run


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--pfm", "ghost"], "pFM 'ghost' is not in the pool of VFM 'default'"),
        (["--vfm", "nope"], "no VFM named 'nope'"),
        (["--eval", "missing.jsonl"], "missing.jsonl: does not exist"),
        (["--eval", "BAD"], r"bad\.jsonl:2: expect .* is not a valid regular expression"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(
    scripted_toml, tmp_path, fmos_home, capsys, monkeypatch, extra, match
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "expect": "a"}\n{"prompt": "b", "expect": "[b"}\n')
    monkeypatch.chdir(tmp_path)
    extra = [str(bad) if e == "BAD" else e for e in extra]
    code, _, err = run_cli(capsys, "--config", str(scripted_toml), "pool", "profile", *extra)
    assert code == 2
    assert re.search(match, " ".join(err.split())), err
    assert _profiles_written(fmos_home) == []


def test_cli_errors_are_user_errors() -> None:
    assert issubclass(UnknownPFM, UserError) and issubclass(EvalSetError, UserError)


def test_a_pfm_that_fails_its_warm_up_fails_the_run_and_nothing_is_written(tmp_path) -> None:
    from servers import stub_http_server

    from fmos_core.errors import BackendError

    with stub_http_server(status=503) as base_url:
        config = Config.parse(
            {
                "pfms": {
                    "a": {"driver": "scripted"},
                    "down": {"driver": "openai", "options": {"base_url": base_url, "model": "m"}},
                },
                "vfms": {"default": {"pfms": ["a", "down"]}},
            }
        )
        evalset = load_eval_set(_write_jsonl(tmp_path / "e.jsonl", REAL_EVAL[:1]))
        store = ProfileStore(tmp_path / "profiles")
        with pytest.raises(BackendError) as caught:
            asyncio.run(profile_pool(config, evalset, store))
    assert caught.value.pfm == "down"
    assert not store.root.exists()  # "a" was measured, but nothing is saved


def test_the_public_api_is_the_export_list() -> None:
    import fmos_core.pool

    assert sorted(fmos_core.pool.__all__) == [
        "EvalItem", "EvalSet", "EvalSetError", "ItemResult", "PoolProfile", "ProfileStore",
        "UnknownPFM", "builtin_eval_set", "load_eval_set", "measure_backend", "pool_members",
        "profile_pool",
    ]  # fmt: skip
