"""Explicit ratings: ``fmos feedback`` and ``FMOS.feedback``, stored with the trace,
comments PII-redacted, bad input refused with nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from kernels import run_cli

from fmos_core import FMOS, Config
from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.testing import ScriptedBackend


@pytest.fixture
def answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FMOS, str]:
    """A kernel on SQLite, its config file in $FMOS_CONFIG, and one answered trace."""
    url = f"sqlite:///{tmp_path}/s.db"
    config = tmp_path / "fmos.toml"
    config.write_text(
        f'[state]\nurl = "{url}"\n[pfms.s]\ndriver = "scripted"\n'
        '[vfms.default]\npfms = ["s"]\n[tenants.default]\n[tenants.acme]\n'
    )
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    fmos = FMOS(Config.load(config), backends={"s": ScriptedBackend(["Paris"], repeat=True)})
    response = fmos.vfm().invoke("Capital of France?", tenant="acme")
    fmos.flush()
    return fmos, response.trace_id


def test_the_cli_rates_a_trace_by_prefix_and_redacts_the_comment(answered, capsys) -> None:
    fmos, trace_id = answered
    comment = "wrong city, ask jane.doe@example.com"
    code, out, err = run_cli(capsys, "feedback", trace_id[:10], "0.25", "--comment", comment)
    assert code == 0, err
    assert out.strip() == f"rated trace {trace_id} (acme): 0.25"
    stored = fmos.traces.get(trace_id).signals["feedback"]
    assert (stored["score"], stored["comment"]) == (0.25, "wrong city, ask [EMAIL_1]")
    fmos.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feedback", "0000ffff", "1"], "no trace with an id starting '0000ffff'"),
        (["feedback", "{id}", "1.5"], "feedback score must be between 0 and 1, got 1.5"),
        (["feedback", "{id}", "nan"], "feedback score must be between 0 and 1, got nan"),
        (["feedback", "{id}", "1", "--tenant", "default"], "no trace '{id}' of tenant 'default'"),
    ],
    ids=["unknown trace", "score above 1", "NaN", "another tenant's trace"],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(answered, capsys, args, message) -> None:
    fmos, trace_id = answered
    code, _, err = run_cli(capsys, *[a.replace("{id}", trace_id) for a in args])
    assert code == 2
    assert message.replace("{id}", trace_id) in " ".join(err.split())  # the line may wrap
    assert "feedback" not in (fmos.traces.get(trace_id).signals or {})
    fmos.close()


def test_the_api_refuses_an_unknown_trace_and_an_overlong_comment(answered) -> None:
    fmos, trace_id = answered
    with pytest.raises(UnknownRecord, match="feedback needs the trace id"):
        fmos.feedback("f" * 32, 1.0, tenant="acme")
    with pytest.raises(BadRequest, match="at most 4000 characters, this one 4001"):
        fmos.feedback(trace_id, 1.0, "x" * 4001, tenant="acme")
    assert "feedback" not in (fmos.traces.get(trace_id).signals or {})
    fmos.feedback(trace_id, 1.0, tenant="acme")
    fmos.feedback(trace_id, 0.0, "on second thought", tenant="acme")  # the newest counts
    assert fmos.traces.get(trace_id).signals["feedback"]["score"] == 0.0
    fmos.close()
