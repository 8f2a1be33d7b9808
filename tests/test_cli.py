"""The ``fmos`` CLI end to end, on a scripted pFM and a temporary state store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kernels import run_cli as run

from fmos_core.store import ApprovalStore, Database


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fmos.toml"
    path.write_text(
        f"""
[state]
url = "sqlite:///{tmp_path}/state.db"

[pfms.echo]
driver = "scripted"
profile = {{ input_price_per_mtok = 1.0, output_price_per_mtok = 2.0 }}
[pfms.echo.options]
replies = ["four"]
output_tokens = 3

[vfms.default]
pfms = ["echo"]

[tenants.default]
[tenants.acme]
clearance = "write"
"""
    )
    monkeypatch.setenv("FMOS_CONFIG", str(path))
    return path


def test_chat_json_prints_the_response(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", "--json", "--tenant", "acme", "2+2?")
    assert code == 0
    response = json.loads(out)
    assert response["message"]["content"] == "four"
    assert response["pfm"] == "echo"
    assert response["usage"]["output_tokens"] == 3
    assert response["usage"]["cost"] == pytest.approx(
        (response["usage"]["input_tokens"] * 1.0 + 3 * 2.0) / 1e6
    )


def test_traces_list_and_show(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chat_trace = json.loads(run(capsys, "chat", "--json", "hello")[1])["trace_id"]
    code, out, _ = run(capsys, "traces", "--json", "--limit", "5")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1
    trace_id = rows[0]["id"]
    assert trace_id == chat_trace
    assert rows[0]["tenant"] == "default" and rows[0]["pfm"] == "echo"
    code, out, _ = run(capsys, "traces", "show", trace_id, "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["id"] == trace_id
    assert {s["name"] for s in shown["spans"]} >= {"admit", "trap_check", "execute", "verify"}
    code, out, _ = run(capsys, "traces", "show", trace_id[:8])
    assert code == 0 and trace_id in out


def test_unknown_trace_is_a_user_error(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "traces", "show", "f" * 32)
    assert code == 2
    assert "UnknownRecord" in err and "fmos traces" in err
    code, _, err = run(capsys, "traces", "show", "fff")  # a prefix that matches nothing
    assert code == 2 and "no trace with an id starting 'fff'" in err


def test_budget_set_show_and_refusal(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "budget", "set", "--tenant", "acme", "--requests", "1")[0] == 0
    code, out, _ = run(capsys, "budget", "show", "--json")
    (row,) = json.loads(out)
    assert row["tenant"] == "acme" and row["requests_limit"] == 1
    assert run(capsys, "chat", "--tenant", "acme", "one")[0] == 0
    code, _, err = run(capsys, "chat", "--tenant", "acme", "two")
    assert code == 1
    assert "BudgetExceeded" in err and "requests" in err
    (row,) = json.loads(run(capsys, "budget", "show", "--json")[1])
    assert row["requests_used"] == 1 and row["requests_reserved"] == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tenant", "acme", "--tokens", "-5"], "finite number"),
        (["--tenant", "acme", "--cost", "nan"], "finite number"),
        (["--tenant", "ghost", "--tokens", "5"], "ghost"),
    ],
)
def test_bad_budget_input_changes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _, err = run(capsys, "budget", "set", *args)
    assert code == 2
    assert expected in err
    assert json.loads(run(capsys, "budget", "show", "--json")[1]) == []


def test_approvals_list_approve_deny(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ApprovalStore(Database(f"sqlite:///{tmp_path}/state.db"))
    ids = [
        store.create(
            tenant="default",
            app="a",
            session="s",
            vfm="default",
            trace_id="t",
            tool="send_email",
            privilege=2,
            clearance=1,
            arguments={"to": "x"},
            response={},
        ).id
        for _ in range(2)
    ]
    code, out, _ = run(capsys, "approvals", "list", "--json")
    assert code == 0 and sorted(a["id"] for a in json.loads(out)) == sorted(ids)
    assert run(capsys, "approvals", "approve", ids[0], "--by", "ops")[0] == 0
    assert run(capsys, "approvals", "deny", ids[1], "--reason", "no")[0] == 0
    assert json.loads(run(capsys, "approvals", "list", "--json")[1]) == []
    decided = {
        a["id"]: a for a in json.loads(run(capsys, "approvals", "list", "--all", "--json")[1])
    }
    assert decided[ids[0]]["status"] == "approved" and decided[ids[0]]["decided_by"] == "ops"
    assert decided[ids[1]]["status"] == "denied" and decided[ids[1]]["reason"] == "no"
    code, _, err = run(capsys, "approvals", "approve", ids[1])
    assert code == 2 and "already denied" in err


def test_bad_config_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[vfms.default]\npfms = ["smollm2"]\ncolour = "blue"\n')
    code, _, err = run(capsys, "--config", str(bad), "budget", "show")
    assert code == 2
    assert "ConfigError" in err and "colour" in err


def test_doctor_reports_pfm(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor")
    assert code == 0
    assert "pFM echo" in out and "answers" in out
    assert "scripted" in out  # registered drivers are listed
