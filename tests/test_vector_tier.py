"""The vector tier on real ChromaDB with the real all-MiniLM-L6-v2 model, offline.

One embedding model serves the module (loading it takes seconds); every test gets a
fresh Chroma directory. Nothing may reach the network: the module runs with
``HF_HUB_OFFLINE=1`` and a guard that refuses every non-loopback connection, and it
checks that Chroma's default embedding model (an ONNX download) was never fetched.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings
from fmos_chroma import ChromaIndex, SentenceEmbedder
from fmos_chroma._embedder import resolve_model_dir
from fmos_chroma._index import collection_name
from kernels import run_cli as run

from fmos_core.errors import BadRequest, ConfigError
from fmos_core.memory.indexer import MemoryIndexer
from fmos_core.memory.vector import VectorItem
from fmos_core.registry import load_vector_index

CHROMA_ONNX_CACHE = Path.home() / ".cache" / "chroma" / "onnx_models"

DOCS = {
    "bread": "To bake bread, mix flour, water, yeast and salt, knead the dough, "
    "let it rise for an hour and bake it at 230 degrees.",
    "rust": "The Rust borrow checker enforces ownership: a value has one owner, and "
    "references must not outlive the data they point to.",
    "tides": "Ocean tides are caused by the gravitational pull of the moon and the sun "
    "on the rotating earth.",
    "budget": "The quarterly budget review found that travel costs rose by 12 percent; "
    "error code ERR_4312 marks the over-limit reports.",
}


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[list[Any]]:
    """HF_HUB_OFFLINE=1, refuse non-loopback connections, and check no model was fetched."""
    onnx_cache_existed = CHROMA_ONNX_CACHE.exists()
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in {"127.0.0.1", "::1", "localhost"}:
            attempts.append(address)
            raise OSError(f"test_vector_tier: network access to {address} refused")
        real_connect(self, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", guarded_connect)
        yield attempts
    assert attempts == [], f"the vector tier tried to reach the network: {attempts}"
    if not onnx_cache_existed:
        assert not CHROMA_ONNX_CACHE.exists(), "Chroma's default embedding model was downloaded"


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder(resolve_model_dir(None))


@pytest.fixture
def index(tmp_path: Path, embedder: SentenceEmbedder) -> Iterator[ChromaIndex]:
    idx = ChromaIndex(tmp_path / "vectors", embedder)
    yield idx
    idx.close()


def items(**texts: str) -> list[VectorItem]:
    return [VectorItem(id=k, text=v, metadata={"topic": k}) for k, v in texts.items()]


# --- the index -------------------------------------------------------------------------


def test_semantic_query_ranks_the_relevant_chunk_first(index: ChromaIndex) -> None:
    index.add("acme", items(**DOCS))
    hits = index.query("acme", "how long should dough rise before baking?", k=4)
    assert hits[0].id == "bread"
    assert len(hits) == 4
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert hits[0].score > hits[1].score + 0.1  # clearly closer, not a coin toss
    assert hits[0].text == DOCS["bread"] and hits[0].metadata == {"topic": "bread"}
    assert index.query("acme", "what pulls the sea up and down?", k=1)[0].id == "tides"


def test_containing_finds_an_exact_term(index: ChromaIndex) -> None:
    index.add("acme", items(**DOCS))
    hits = index.containing("acme", "ERR_4312")
    assert [(h.id, h.score) for h in hits] == [("budget", 1.0)]
    assert index.containing("acme", "ERR_9999") == []
    assert {h.id for h in index.containing("acme", "the", k=10)} == set(DOCS)
    assert len(index.containing("acme", "the", k=2)) == 2
    with pytest.raises(BadRequest):
        index.containing("acme", "")


def test_where_filters_on_one_and_on_several_keys(index: ChromaIndex) -> None:
    index.add(
        "acme",
        [
            VectorItem("a", DOCS["bread"], {"source": "ingest", "path": "/d/bread.txt"}),
            VectorItem("b", DOCS["bread"] + " Rye too.", {"source": "offload", "session": "s1"}),
            VectorItem("c", DOCS["rust"], {"source": "offload", "session": "s2"}),
            VectorItem("d", DOCS["tides"], {"source": "offload", "session": "s1", "chunk": 1}),
        ],
    )
    bread = "baking bread"
    assert {h.id for h in index.query("acme", bread, k=4, where={"source": "offload"})} == {
        "b",
        "c",
        "d",
    }
    two = index.query("acme", bread, k=4, where={"source": "offload", "session": "s1"})
    assert [h.id for h in two] == ["b", "d"]
    three = {"source": "offload", "session": "s1", "chunk": 1}
    assert [h.id for h in index.query("acme", bread, k=4, where=three)] == ["d"]
    assert index.query("acme", bread, where={"session": "nope"}) == []
    assert [h.id for h in index.containing("acme", "bread", where={"session": "s1"})] == ["b"]
    # a list matches when any of its mappings does
    either = [{"session": "s2"}, {"source": "ingest"}]
    assert {h.id for h in index.query("acme", bread, k=4, where=either)} == {"a", "c"}
    assert {h.id for h in index.containing("acme", "e", k=4, where=either)} == {"a", "c"}
    assert [h.id for h in index.query("acme", bread, k=4, where=[{"session": "s2"}])] == ["c"]
    assert len(index.query("acme", bread, k=4, where=[{"session": "s2"}, {}])) == 4
    assert index.query("acme", bread, where=[]) == [] and index.delete("acme", []) == 0
    assert index.delete("acme", [{"session": "s2"}, {"chunk": 1}]) == 2
    assert index.count("acme") == 2
    index.add("acme", [VectorItem("c", DOCS["rust"], {"source": "offload", "session": "s2"})])
    assert index.delete("acme", {"source": "offload", "session": "s1"}) == 1
    assert index.count("acme") == 2
    with pytest.raises(BadRequest):
        index.query("acme", bread, k=0)


def test_tenants_are_isolated(index: ChromaIndex, tmp_path: Path) -> None:
    index.add("tenant-a", items(bread=DOCS["bread"], rust=DOCS["rust"]))
    index.add("tenant b/ü", [VectorItem("bread", "Tide tables for the harbour.", {"n": 1})])
    assert index.count("tenant-a") == 2 and index.count("tenant b/ü") == 1
    hits = index.query("tenant b/ü", "bake bread", k=10)
    assert [(h.id, h.text) for h in hits] == [("bread", "Tide tables for the harbour.")]
    assert index.containing("tenant b/ü", "flour") == []
    assert index.delete("tenant b/ü", {"topic": "bread"}) == 0  # A's metadata is not B's
    assert index.count("tenant-a") == 2
    # an unknown tenant has nothing, and asking creates no collection
    assert index.count("ghost") == 0
    assert index.query("ghost", "bread") == [] and index.containing("ghost", "bread") == []
    assert index.delete("ghost", {}) == 0
    client = chromadb.PersistentClient(
        str(tmp_path / "vectors"), settings=Settings(anonymized_telemetry=False)
    )
    try:
        names = {c.name for c in client.list_collections()}
        metadata = {c.metadata["fmos_tenant"] for c in client.list_collections() if c.metadata}
    finally:
        client.close()
    assert collection_name("ghost") not in names
    assert names == {collection_name("tenant-a"), collection_name("tenant b/ü")}
    assert metadata == {"tenant-a", "tenant b/ü"}


def test_the_index_persists_across_close_and_reopen(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    first = ChromaIndex(tmp_path / "v", embedder)
    first.add("acme", items(**DOCS))
    first.close()
    first.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        first.count("acme")
    again = ChromaIndex(tmp_path / "v", embedder)
    try:
        assert again.count("acme") == len(DOCS)
        assert again.query("acme", "ownership and references", k=1)[0].id == "rust"
    finally:
        again.close()


def test_add_replaces_an_id_and_delete_removes(index: ChromaIndex) -> None:
    index.add("acme", [VectorItem("x", "old text about tides", {"old": True, "v": 1})])
    index.add("acme", [VectorItem("x", "new text about bread", {"v": 2})])
    index.add("acme", [VectorItem("y", "no metadata at all")])
    assert index.count("acme") == 2
    (hit,) = index.containing("acme", "bread")
    assert hit.id == "x" and hit.metadata == {"v": 2}  # the old metadata did not linger
    assert index.containing("acme", "old text") == []
    assert index.containing("acme", "no metadata")[0].metadata == {}
    index.add("acme", [])  # nothing to do
    assert index.delete("acme", {"v": 2}) == 1
    assert index.delete("acme", {"v": 2}) == 0
    assert index.delete("acme", {}) == 1  # no condition: everything of the tenant
    assert index.count("acme") == 0


class ThreeDims(SentenceEmbedder):
    """Stands for a configured model that makes vectors of another size."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[1.0, 0.0, 0.0] for _ in texts]


def test_a_changed_model_is_refused_before_anything_is_lost(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    first = ChromaIndex(tmp_path / "v", embedder)
    first.add("acme", items(**DOCS))
    first.close()
    other = ChromaIndex(tmp_path / "v", ThreeDims(embedder.model_dir))
    try:
        with pytest.raises(ConfigError, match=r"384-dimensional.*makes 3"):
            other.add("acme", items(bread="new bread"))
        with pytest.raises(ConfigError, match="384-dimensional"):
            other.query("acme", "bread")
        assert other.count("acme") == len(DOCS)
        assert other.containing("acme", "flour")[0].text == DOCS["bread"]
        other.add("fresh", items(bread="a tenant of its own"))  # new collections are fine
        assert other.count("fresh") == 1
    finally:
        other.close()


def test_model_loads_once_and_serves_threads(index: ChromaIndex) -> None:
    index.add("acme", items(**DOCS))
    assert index.embedder.loaded
    model = index.embedder._model
    errors: list[BaseException] = []

    def query() -> None:
        try:
            for _ in range(5):
                assert index.query("acme", "baking", k=1)[0].id == "bread"
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=query) for _ in range(4)]
    for t in threads:
        t.start()
    index.add("acme", [VectorItem(f"n{i}", f"note {i} about tides") for i in range(40)])
    for t in threads:
        t.join()
    assert errors == [] and index.embedder._model is model


# --- the indexer -----------------------------------------------------------------------


def test_indexer_indexes_offloaded_items_in_the_background(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    indexer = MemoryIndexer(ChromaIndex(tmp_path / "v", embedder), chunk_chars=200)
    try:
        long_output = "\n".join(f"row {i}: nothing to see" for i in range(30))
        long_output += "\nrow 30: the deploy failed because the TLS certificate expired"
        indexer.submit_offloaded("acme", "s1", "fs:00000000000000aa", "/tool/out.txt", long_output)
        indexer.submit_offloaded("acme", "s2", "fs:00000000000000bb", "/notes.txt", DOCS["rust"])
        indexer.flush()
        assert indexer.failures == 0
        hits = indexer.index.query(
            "acme", "why did the deployment fail?", k=1, where={"session": "s1"}
        )
        assert "certificate expired" in hits[0].text
        assert hits[0].metadata["handle"] == "fs:00000000000000aa"
        assert hits[0].metadata["source"] == "offload"
        assert hits[0].id.startswith("fs:00000000000000aa#")
        assert indexer.index.count("acme") > 2
    finally:
        indexer.close()


def test_indexer_ingest_replaces_a_reingested_path(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    indexer = MemoryIndexer(ChromaIndex(tmp_path / "v", embedder), chunk_chars=200)
    try:
        first = "\n".join([DOCS["bread"], DOCS["tides"], DOCS["rust"]])
        assert indexer.ingest("acme", "/docs/notes.md", first) == 3
        assert indexer.ingest("acme", "/docs/other.md", DOCS["budget"]) == 1
        assert indexer.ingest("acme", "/docs/notes.md", DOCS["tides"]) == 1
        assert indexer.index.count("acme") == 2
        assert indexer.index.containing("acme", "flour") == []
        (hit,) = indexer.index.query("acme", "moon", k=1, where={"path": "/docs/notes.md"})
        assert hit.text == DOCS["tides"] and hit.metadata["chunk"] == 0
    finally:
        indexer.close()


# --- configuration ---------------------------------------------------------------------


def test_from_options_through_the_registry(tmp_path: Path) -> None:
    index = load_vector_index("chroma", {"path": str(tmp_path / "v"), "device": "cpu"})
    try:
        assert isinstance(index, ChromaIndex)
        assert index.path == tmp_path / "v" and index.path.is_dir()
        assert index.count("acme") == 0 and not index.embedder.loaded
    finally:
        index.close()


def test_unknown_option_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[memory.options\].*unknown key 'colour'"):
        ChromaIndex.from_options({"path": str(tmp_path), "colour": "blue"})
    with pytest.raises(ConfigError, match="path"):
        ChromaIndex.from_options({})
    with pytest.raises(ConfigError, match="not a sentence-transformers model directory"):
        ChromaIndex.from_options({"path": str(tmp_path), "model": str(tmp_path / "none")})


def test_a_model_directory_can_be_named(tmp_path: Path) -> None:
    index = ChromaIndex.from_options(
        {"path": str(tmp_path / "v"), "model": str(resolve_model_dir(None))}
    )
    try:
        index.add("acme", items(**DOCS))
        assert index.query("acme", "sourdough loaf", k=1)[0].id == "bread"
    finally:
        index.close()


# --- fmos ingest -----------------------------------------------------------------------


def write_config(tmp_path: Path, memory: str = '[memory]\nvector = "chroma"\n') -> Path:
    path = tmp_path / "fmos.toml"
    path.write_text(
        f"""
[state]
url = "sqlite:///{tmp_path}/state.db"

{memory}

[pfms.echo]
driver = "scripted"

[vfms.default]
pfms = ["echo"]

[tenants.default]
[tenants.acme]
"""
    )
    return path


def stored(fmos_home: Path, embedder: SentenceEmbedder) -> ChromaIndex:
    return ChromaIndex(fmos_home / "vectors", embedder)


def test_fmos_ingest_end_to_end(
    tmp_path: Path,
    fmos_home: Path,
    embedder: SentenceEmbedder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path)
    docs = tmp_path / "docs"
    (docs / "cooking").mkdir(parents=True)
    (docs / ".hidden").mkdir()
    (docs / "cooking" / "bread.md").write_text(DOCS["bread"] + "\n")
    (docs / "rust.txt").write_text(DOCS["rust"] + "\n" + "Lifetimes name scopes.\n" * 60)
    (docs / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (docs / ".hidden" / "secret.txt").write_text("do not index me")
    (tmp_path / "tides.txt").write_text("\ufeff" + DOCS["tides"])  # a BOM is fine
    monkeypatch.chdir(tmp_path)

    code, out, err = run(
        capsys, "--config", str(config), "ingest", "docs", "tides.txt", "--tenant", "acme"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert "docs/cooking/bread.md: 1 chunks" in lines
    assert "docs/logo.png: skipped (binary)" in lines
    assert "tides.txt: 1 chunks" in lines
    rust_line = next(line for line in lines if line.startswith("docs/rust.txt: "))
    rust_chunks = int(rust_line.split()[1])
    assert rust_chunks >= 2
    assert lines[-1] == f"ingested 3 files, {2 + rust_chunks} chunks for tenant 'acme'"
    assert "secret" not in out

    index = stored(fmos_home, embedder)
    try:
        assert index.count("acme") == 2 + rust_chunks and index.count("default") == 0
        hit = index.query("acme", "what makes the sea rise and fall?", k=1)[0]
        assert hit.metadata["path"] == str(tmp_path / "tides.txt")
        assert hit.metadata["source"] == "ingest" and not hit.text.startswith("\ufeff")
    finally:
        index.close()

    # re-ingesting a changed file replaces its chunks; --config also works after the command
    (docs / "rust.txt").write_text(DOCS["rust"])
    code, out, err = run(capsys, "ingest", "docs/rust.txt", "-t", "acme", "--config", str(config))
    assert code == 0, err
    assert out.splitlines() == [
        "docs/rust.txt: 1 chunks",
        "ingested 1 files, 1 chunks for tenant 'acme'",
    ]
    index = stored(fmos_home, embedder)
    try:
        assert index.count("acme") == 3
        assert index.containing("acme", "Lifetimes") == []
    finally:
        index.close()


def test_fmos_ingest_refuses_bad_input(
    tmp_path: Path,
    fmos_home: Path,
    embedder: SentenceEmbedder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path)
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    Path("good.txt").write_text(DOCS["bread"])
    Path("image.bin").write_bytes(b"GIF89a\x00\x01\x02")
    Path("latin1.txt").write_bytes("café au lait\n".encode("latin-1"))

    code, out, err = run(capsys, "ingest", "image.bin")
    assert code == 2
    assert "image.bin: a binary file" in err and "UTF-8 text" in err
    assert "ingested 0 files, 0 chunks" in out

    code, _, err = run(capsys, "ingest", "latin1.txt")
    assert code == 2
    assert "latin1.txt: not valid UTF-8 (byte 0xe9 at offset 3)" in err and "iconv" in err

    code, out, err = run(capsys, "ingest", "good.txt", "missing.txt")
    assert code == 2
    assert "no such file or directory: 'missing.txt'" in err
    assert out == ""  # checked before anything is ingested

    # one bad file does not stop the good ones, but the exit code says something failed
    code, out, err = run(capsys, "ingest", "latin1.txt", "good.txt")
    assert code == 2
    assert "good.txt: 1 chunks" in out and "latin1.txt" in err and "1 file(s) not ingested" in err

    code, _, err = run(capsys, "ingest", "good.txt", "--tenant", "nobody")
    assert code == 2 and "UnknownTenant" in err and "nobody" in err

    index = stored(fmos_home, embedder)
    try:
        assert index.count("default") == 1  # only good.txt
        assert index.count("nobody") == 0
        assert {h.metadata["path"] for h in index.containing("default", "e", k=10)} == {
            str(tmp_path / "good.txt")
        }
    finally:
        index.close()


def test_fmos_ingest_needs_the_vector_tier(
    tmp_path: Path, fmos_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("hello")
    off = write_config(tmp_path, memory="")
    code, out, err = run(capsys, "--config", str(off), "ingest", str(tmp_path / "a.txt"))
    assert code == 2
    assert "ConfigError" in err and "vector tier is off" in err and 'vector = "chroma"' in err
    assert out == "" and not (fmos_home / "vectors").exists()

    bad = write_config(tmp_path, memory='[memory]\nvector = "chroma"\n[memory.options]\ncolour = 1')
    code, _, err = run(capsys, "--config", str(bad), "ingest", str(tmp_path / "a.txt"))
    assert code == 2 and "ConfigError" in err and "unknown key 'colour'" in err
