"""The agent filesystem tier: files, handles, ranges, grep, state, tool-call log,
snapshots, forks and tenant isolation, on SQLite and PostgreSQL; and ``fmos fs``."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from kernels import run_cli as run
from sqlalchemy import event, func, select

from fmos_core import memory
from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.memory import AgentFS, GrepMatch
from fmos_core.store import Database, schema

T, S = "acme", "s1"


@pytest.fixture
def fs(db: Database) -> AgentFS:
    return AgentFS(db)


def count(db: Database, table) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_public_exports() -> None:
    assert memory.__all__ == [
        "DEFAULT_MAX_FILE_BYTES",
        "AgentFS",
        "FileHandle",
        "GrepMatch",
        "SnapshotInfo",
        "ToolCallRecord",
    ]


# --- round trips ----------------------------------------------------------------------------


def test_text_and_binary_round_trip_byte_identical(fs: AgentFS) -> None:
    text = fs.write(T, S, "notes/ünï.txt", "héllo\r\nwörld\n")
    assert text.id.startswith("fs:") and text.size == len("héllo\r\nwörld\n".encode())
    assert fs.read(T, S, text.id) == "héllo\r\nwörld\n".encode()
    binary = bytes(range(256)) + b"\xff\xfe\x00\xc3\x28"  # every byte value and invalid UTF-8
    handle = fs.write(T, S, "blob.bin", binary)
    assert fs.read(T, S, handle.id) == binary
    assert fs.read_path(T, S, "/blob.bin") == binary
    assert fs.write(T, S, "empty", b"").size == 0
    assert fs.read_path(T, S, "empty") == b""


def test_ten_megabytes_round_trip(fs: AgentFS) -> None:
    data = os.urandom(10 * 1024 * 1024)
    handle = fs.write(T, S, "big.bin", data)
    assert handle.size == len(data)
    assert fs.read(T, S, handle.id) == data
    assert fs.read_range(T, S, handle.id, len(data) - 5) == data[-5:]


def test_size_limit_is_configurable_and_refuses_with_bad_request(db: Database) -> None:
    small = AgentFS(db, max_file_bytes=10)
    assert small.write(T, S, "ok", b"x" * 10).size == 10
    with pytest.raises(BadRequest, match="11 bytes; the limit is 10 bytes"):
        small.write(T, S, "too-big", b"x" * 11)
    assert [f.path for f in small.list(T, S)] == ["ok"]


def test_bad_paths_and_data_are_refused(fs: AgentFS) -> None:
    for bad in ["", "/", "a/../b", "..", "a\x00b"]:
        with pytest.raises(BadRequest):
            fs.write(T, S, bad, b"x")
    with pytest.raises(BadRequest, match="bytes or str"):
        fs.write(T, S, "a", 12)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="tenant"):
        fs.write("", S, "a", b"x")
    assert fs.write(T, S, "/a//b/./c.txt", "x").path == "a/b/c.txt"
    assert fs.list(T, S)[0].path == "a/b/c.txt"


def test_a_write_that_fails_midway_leaves_nothing(db: Database, fs: AgentFS) -> None:
    fs.write(T, S, "keep.txt", "old")

    def fail_on_tree_update(conn, cursor, statement, *args) -> None:
        if "fs_files" in statement and statement.lstrip().upper().startswith("INSERT"):
            raise RuntimeError("disk on fire")

    before = {t.name: count(db, t) for t in (schema.fs_blobs, schema.fs_versions)}
    event.listen(db.engine, "before_cursor_execute", fail_on_tree_update)
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            fs.write_many(T, S, {"new.txt": "new", "keep.txt": "overwritten"})
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_tree_update)
    assert {t.name: count(db, t) for t in (schema.fs_blobs, schema.fs_versions)} == before
    assert [f.path for f in fs.list(T, S)] == ["keep.txt"]
    assert fs.read_path(T, S, "keep.txt") == b"old"


def test_concurrent_writes_of_the_same_bytes(fs: AgentFS) -> None:
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            fs.write(T, S, f"copy{i}.txt", "same content")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [fs.read_path(T, S, f"copy{i}.txt") for i in range(8)] == [b"same content"] * 8


# --- handles and ranges ---------------------------------------------------------------------


def test_a_handle_names_one_immutable_version(fs: AgentFS) -> None:
    first = fs.write(T, S, "plan.md", "v1")
    second = fs.write(T, S, "plan.md", "v2")
    assert first.id != second.id
    assert fs.read(T, S, first.id) == b"v1"
    assert fs.read(T, S, second.id) == b"v2"
    assert fs.read_path(T, S, "plan.md") == b"v2"
    assert fs.stat(T, S, "plan.md") == second
    assert fs.handle(T, S, first.id) == first
    assert [f.id for f in fs.list(T, S)] == [second.id]


def test_delete_removes_the_path_but_keeps_handles(fs: AgentFS) -> None:
    handle = fs.write(T, S, "tmp.txt", "scratch")
    assert fs.delete(T, S, "tmp.txt") is True
    assert fs.delete(T, S, "tmp.txt") is False
    assert fs.list(T, S) == []
    with pytest.raises(UnknownRecord, match=r"no file 'tmp\.txt'"):
        fs.read_path(T, S, "tmp.txt")
    assert fs.read(T, S, handle.id) == b"scratch"


def test_byte_and_line_ranges(fs: AgentFS) -> None:
    h = fs.write(T, S, "f.txt", "alpha\nbeta\r\ngamma\ndelta").id
    assert fs.read_range(T, S, h, 0, 5) == b"alpha"
    assert fs.read_range(T, S, h, 6, 10) == b"beta"
    assert fs.read_range(T, S, h, 18) == b"delta"
    assert fs.read_range(T, S, h, 19, 1000) == b"elta"
    assert fs.read_range(T, S, h, 1000) == b""
    assert fs.read_range(T, S, h, 3, 3) == b""
    assert fs.read_lines(T, S, h, 2, 3) == b"beta\r\ngamma\n"
    assert fs.read_lines(T, S, h, 4) == b"delta"
    assert fs.read_lines(T, S, h, 1, 1) == b"alpha\n"
    assert fs.read_lines(T, S, h, 9) == b""
    for bad in [(-1, 2), (5, 2)]:
        with pytest.raises(BadRequest):
            fs.read_range(T, S, h, *bad)
    for bad_lines in [(0, 2), (3, 2)]:
        with pytest.raises(BadRequest):
            fs.read_lines(T, S, h, *bad_lines)


def test_unknown_and_foreign_handles_raise_the_same_error(fs: AgentFS) -> None:
    theirs = fs.write("globex", S, "secret.txt", "classified").id
    messages = []
    for handle in ["fs:doesnotexist00", theirs]:
        with pytest.raises(UnknownRecord) as caught:
            fs.read(T, S, handle)
        messages.append(str(caught.value).replace(handle, "H"))
    assert messages[0] == messages[1]


# --- listing, glob, grep --------------------------------------------------------------------


def test_list_glob_and_grep(fs: AgentFS) -> None:
    fs.write(T, S, "src/a.py", "import os\nprint('TODO: a')\n")
    fs.write(T, S, "src/b.py", "x = 1\n# TODO b\n")
    fs.write(T, S, "docs/readme.md", "TODO docs\n")
    fs.write(T, S, "data.bin", b"\x00TODO\xff\n")
    assert [f.path for f in fs.list(T, S)] == ["data.bin", "docs/readme.md", "src/a.py", "src/b.py"]
    assert [f.path for f in fs.list(T, S, "src/")] == ["src/a.py", "src/b.py"]
    assert [f.path for f in fs.glob(T, S, "*.py")] == ["src/a.py", "src/b.py"]
    assert [f.path for f in fs.glob(T, S, "docs/*.m?")] == ["docs/readme.md"]
    assert fs.grep(T, S, r"TODO\b", "src/*") == [
        GrepMatch("src/a.py", 2, "print('TODO: a')"),
        GrepMatch("src/b.py", 2, "# TODO b"),
    ]
    assert [(m.path, m.line) for m in fs.grep(T, S, "TODO")] == [
        ("data.bin", 1),
        ("docs/readme.md", 1),
        ("src/a.py", 2),
        ("src/b.py", 2),
    ]
    assert len(fs.grep(T, S, "TODO", max_matches=2)) == 2
    assert fs.grep(T, S, "nothing-matches") == []
    with pytest.raises(BadRequest, match="not a valid regex"):
        fs.grep(T, S, "(unclosed")


# --- state and tool-call log ----------------------------------------------------------------


def test_session_state(fs: AgentFS) -> None:
    fs.set_state(T, S, "step", 1)
    fs.set_state(T, S, "step", 2)
    fs.set_state(T, S, "plan", {"todo": ["a", "b"], "done": None})
    assert fs.get_state(T, S, "step") == 2
    assert fs.get_state(T, S, "missing", "dflt") == "dflt"
    assert fs.state(T, S) == {"plan": {"todo": ["a", "b"], "done": None}, "step": 2}
    assert fs.state(T, "other-session") == {}
    assert fs.delete_state(T, S, "step") is True
    assert fs.delete_state(T, S, "step") is False
    with pytest.raises(BadRequest, match="JSON"):
        fs.set_state(T, S, "bad", object())
    with pytest.raises(BadRequest, match="state key"):
        fs.set_state(T, S, "", 1)


def test_tool_call_log(fs: AgentFS) -> None:
    out = fs.write(T, S, "tool-out/search.json", '{"hits": 3}')
    first = fs.log_tool_call(T, S, "search", {"q": "fmos"}, "3 hits", handle=out.id)
    second = fs.log_tool_call(T, S, "calc", {"expr": "2+2"}, "4")
    assert second.seq > first.seq
    calls = fs.tool_calls(T, S)
    assert [(c.name, c.arguments, c.result_summary, c.handle) for c in calls] == [
        ("search", {"q": "fmos"}, "3 hits", out.id),
        ("calc", {"expr": "2+2"}, "4", None),
    ]
    assert fs.read(T, S, calls[0].handle) == b'{"hits": 3}'
    with pytest.raises(UnknownRecord):
        fs.log_tool_call(T, S, "x", {}, "", handle="fs:nope")
    with pytest.raises(BadRequest, match="JSON"):
        fs.log_tool_call(T, S, "x", {"f": object()}, "")
    assert len(fs.tool_calls(T, S)) == 2
    assert fs.tool_calls(T, "s2") == []


# --- snapshots, rollback, fork --------------------------------------------------------------


def test_snapshot_change_rollback_restores_exactly(fs: AgentFS) -> None:
    fs.write(T, S, "a.txt", "a1")
    fs.write(T, S, "b.txt", "b1")
    fs.set_state(T, S, "k", "v1")
    fs.set_state(T, S, "gone-later", 1)
    files_before, state_before = fs.list(T, S), fs.state(T, S)
    snap = fs.snapshot(T, S, label="before edits")
    assert snap.startswith("snap:")

    late = fs.write(T, S, "a.txt", "a2")
    fs.write(T, S, "c.txt", "new")
    fs.delete(T, S, "b.txt")
    fs.set_state(T, S, "k", "v2")
    fs.set_state(T, S, "added", True)
    fs.delete_state(T, S, "gone-later")
    fs.log_tool_call(T, S, "edit", {}, "edited")

    fs.rollback(T, S, snap)
    assert fs.list(T, S) == files_before
    assert fs.state(T, S) == state_before
    assert fs.read_path(T, S, "a.txt") == b"a1"
    assert fs.read(T, S, late.id) == b"a2"  # a version made later stays readable
    assert [c.name for c in fs.tool_calls(T, S)] == ["edit"]  # the log is not rewound
    assert [(s.id, s.label) for s in fs.snapshots(T, S)] == [(snap, "before edits")]
    fs.rollback(T, S, snap)  # a snapshot can be used again
    assert fs.list(T, S) == files_before
    with pytest.raises(UnknownRecord, match="no snapshot"):
        fs.rollback(T, S, "snap:missing")
    with pytest.raises(UnknownRecord, match="no snapshot"):
        fs.rollback(T, "another-session", snap)


def test_rollback_is_atomic(db: Database, fs: AgentFS) -> None:
    fs.write(T, S, "a.txt", "a1")
    snap = fs.snapshot(T, S)
    fs.write(T, S, "a.txt", "a2")
    fs.set_state(T, S, "k", 1)

    def fail_on_state_restore(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO FS_STATE"):
            raise RuntimeError("crash")

    event.listen(db.engine, "before_cursor_execute", fail_on_state_restore)
    try:
        with pytest.raises(RuntimeError, match="crash"):
            fs.rollback(T, S, snap)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_state_restore)
    assert fs.read_path(T, S, "a.txt") == b"a2"
    assert fs.state(T, S) == {"k": 1}


def test_fork_is_an_independent_copy(fs: AgentFS) -> None:
    shared = fs.write(T, S, "plan.md", "shared plan")
    fs.write(T, S, "notes.txt", "parent notes")
    fs.set_state(T, S, "step", 3)
    assert fs.fork(T, S, "child") == "child"

    assert fs.list(T, "child") == fs.list(T, S)
    assert fs.state(T, "child") == {"step": 3}
    assert fs.read(T, "child", shared.id) == b"shared plan"

    fs.write(T, "child", "plan.md", "child plan")
    fs.delete(T, "child", "notes.txt")
    fs.set_state(T, "child", "step", 99)
    fs.write(T, S, "parent-only.txt", "p")
    fs.set_state(T, S, "extra", "x")

    assert fs.read_path(T, S, "plan.md") == b"shared plan"
    assert fs.read_path(T, S, "notes.txt") == b"parent notes"
    assert fs.state(T, S) == {"extra": "x", "step": 3}
    assert [f.path for f in fs.list(T, "child")] == ["plan.md"]
    assert fs.read_path(T, "child", "plan.md") == b"child plan"
    assert fs.state(T, "child") == {"step": 99}
    assert fs.snapshots(T, "child") == []
    with pytest.raises(BadRequest, match="already has"):
        fs.fork(T, S, "child")
    with pytest.raises(BadRequest, match="onto itself"):
        fs.fork(T, S, S)


def test_tenant_isolation_on_every_method(fs: AgentFS) -> None:
    mine = fs.write(T, S, "secret.txt", "acme secret")
    fs.set_state(T, S, "k", "acme")
    fs.log_tool_call(T, S, "tool", {}, "acme result", handle=mine.id)
    snap = fs.snapshot(T, S)
    G = "globex"  # same session name, other tenant

    assert fs.list(G, S) == []
    assert fs.glob(G, S, "*") == []
    assert fs.grep(G, S, "secret") == []
    assert fs.state(G, S) == {}
    assert fs.get_state(G, S, "k") is None
    assert fs.tool_calls(G, S) == []
    assert fs.snapshots(G, S) == []
    for call in (
        lambda: fs.read(G, S, mine.id),
        lambda: fs.handle(G, S, mine.id),
        lambda: fs.read_range(G, S, mine.id, 0, 3),
        lambda: fs.read_lines(G, S, mine.id, 1),
        lambda: fs.read_path(G, S, "secret.txt"),
        lambda: fs.stat(G, S, "secret.txt"),
        lambda: fs.log_tool_call(G, S, "t", {}, "", handle=mine.id),
        lambda: fs.rollback(G, S, snap),
    ):
        with pytest.raises(UnknownRecord):
            call()
    assert fs.delete(G, S, "secret.txt") is False
    assert fs.delete_state(G, S, "k") is False
    fs.fork(G, S, "globex-child")
    assert fs.list(G, "globex-child") == []

    theirs = fs.write(G, S, "secret.txt", "acme secret")  # same bytes, separate tenant
    assert fs.read(G, S, theirs.id) == b"acme secret"
    fs.delete(G, S, "secret.txt")
    fs.set_state(G, S, "k", "globex")
    assert fs.read_path(T, S, "secret.txt") == b"acme secret"
    assert fs.get_state(T, S, "k") == "acme"
    assert [c.result_summary for c in fs.tool_calls(T, S)] == ["acme result"]


# --- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def cli_fs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AgentFS:
    url = f"sqlite:///{tmp_path}/state.db"
    config = tmp_path / "fmos.toml"
    config.write_text(f'[state]\nurl = "{url}"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    return AgentFS(Database(url))


def test_cli_ls_cat_grep(cli_fs: AgentFS, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    binary = bytes(range(256))
    cli_fs.write(T, S, "notes/todo.md", "one\nTODO two\n")
    handle = cli_fs.write(T, S, "blob.bin", binary)
    cli_fs.write("globex", S, "theirs.txt", "TODO globex")

    code, out, _ = run(capsysbinary, "fs", "ls", "--tenant", T, "--session", S, "--json")
    assert code == 0
    assert [(f["path"], f["size"]) for f in json.loads(out)] == [
        ("blob.bin", 256),
        ("notes/todo.md", 13),
    ]
    code, out, _ = run(capsysbinary, "fs", "ls", "notes/", "-t", T, "-s", S)
    assert code == 0 and b"notes/todo.md" in out and b"blob.bin" not in out

    assert run(capsysbinary, "fs", "cat", "blob.bin", "-t", T, "-s", S)[:2] == (0, binary)
    code, out, _ = run(capsysbinary, "fs", "cat", handle.id, "--handle", "-t", T, "-s", S)
    assert (code, out) == (0, binary)

    code, out, _ = run(capsysbinary, "fs", "grep", "TODO", "-t", T, "-s", S)
    assert (code, out) == (0, b"notes/todo.md:2:TODO two\n")

    code, _, err = run(capsysbinary, "fs", "cat", handle.id, "--handle", "-t", "globex", "-s", S)
    assert code == 2 and b"UnknownRecord" in err


def test_cli_snapshot_rollback_fork(
    cli_fs: AgentFS, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    cli_fs.write(T, S, "a.txt", "before")
    code, out, _ = run(capsysbinary, "fs", "snapshot", "-t", T, "-s", S, "--label", "start")
    snap = out.decode().strip()
    assert code == 0 and snap.startswith("snap:")
    code, out, _ = run(capsysbinary, "fs", "snapshots", "-t", T, "-s", S, "--json")
    assert [(s["id"], s["label"]) for s in json.loads(out)] == [(snap, "start")]

    cli_fs.write(T, S, "a.txt", "after")
    code, out, _ = run(capsysbinary, "fs", "fork", "child", "-t", T, "-s", S)
    assert (code, out) == (0, b"child\n")
    assert run(capsysbinary, "fs", "rollback", snap, "-t", T, "-s", S)[0] == 0
    assert cli_fs.read_path(T, S, "a.txt") == b"before"
    assert cli_fs.read_path(T, "child", "a.txt") == b"after"

    code, _, err = run(capsysbinary, "fs", "rollback", snap, "-t", T, "-s", "child")
    assert code == 2 and b"no snapshot" in err
