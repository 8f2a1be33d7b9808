"""A process killed in the middle of offloading loses nothing it acknowledged."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

from fmos_core import FMOS, Config

CHILD = textwrap.dedent(
    """
    import hashlib, sys
    from fmos_core import FMOS, Config, Message, ToolCall
    from fmos_core.testing import ScriptedBackend

    config = Config.parse({
        "state": {"url": sys.argv[1]},
        "pfms": {"s": {"driver": "scripted"}},
        "vfms": {"default": {"pfms": ["s"],
                 "context": [{"policy": "offload_tool_outputs", "max_bytes": 1000}]}},
    })
    with FMOS(config, backends={"s": ScriptedBackend(["ok"], repeat=True)}) as fmos:
        for i in range(10_000):
            payload = (f"row {i}: " + "z" * 97 + "\\n") * 3000  # ~300 KB, distinct per call
            history = [
                Message(role="user", content="go"),
                Message(role="assistant", tool_calls=[ToolCall(id=f"c{i}", name="dump")]),
                Message(role="tool", tool_call_id=f"c{i}", name="dump", content=payload),
            ]
            response = fmos.vfm().invoke(history)
            digest = hashlib.sha256(payload.encode()).hexdigest()
            print(response.provenance.memory_handles[0], digest, flush=True)
    """
)


def test_a_kill_mid_offload_keeps_every_acknowledged_item_whole(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    acknowledged = [child.stdout.readline().split() for _ in range(5)]
    time.sleep(0.05)  # let it get into the middle of the next offload
    child.send_signal(signal.SIGKILL)
    child.wait()
    acknowledged += [line.split() for line in child.stdout.read().splitlines() if line]
    config = Config.parse(
        {
            "state": {"url": url},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
        }
    )
    with FMOS(config) as fmos:
        for handle, digest in acknowledged:
            data = fmos.fs.read("default", "default", handle)
            assert hashlib.sha256(data).hexdigest() == digest
        stored = fmos.fs.list("default", "default")
        assert len(stored) >= len(acknowledged)
        for item in stored:  # nothing half-written: every version reads back at its size
            assert len(fmos.fs.read("default", "default", item.id)) == item.size
