"""Table definitions of the state store (the current shape, used by queries)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

migrations = Table(
    "fmos_migrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", Float, nullable=False),
)

traces = Table(
    "traces",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", Float, nullable=False, index=True),
    Column("tenant", String(200), nullable=False, index=True),
    Column("app", String(200), nullable=False),
    Column("session", String(200), nullable=False),
    Column("vfm", String(200), nullable=False),
    Column("pfm", String(200), nullable=False),
    Column("pfm_version", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", Text),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cached_tokens", Integer, nullable=False),
    Column("reasoning_tokens", Integer, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("traps", JSON, nullable=False),
    Column("provenance", JSON, nullable=False),
    Column("request", JSON, nullable=False),
    Column("response", JSON),
    Column("signals", JSON),  # the ladder's view of the fast answer; feedback
)

spans = Table(
    "spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trace_id", String(40), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("start_ms", Float, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("attributes", JSON, nullable=False),
)

budgets = Table(
    "budgets",
    metadata,
    Column("scope", String(300), primary_key=True),
    Column("tokens_limit", BigInteger),
    Column("cost_limit_micros", BigInteger),
    Column("requests_limit", BigInteger),
    Column("tokens_used", BigInteger, nullable=False),
    Column("cost_used_micros", BigInteger, nullable=False),
    Column("requests_used", BigInteger, nullable=False),
    Column("tokens_reserved", BigInteger, nullable=False),
    Column("cost_reserved_micros", BigInteger, nullable=False),
    Column("requests_reserved", BigInteger, nullable=False),
    Column("updated_at", Float, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("scope", String(300), nullable=False, index=True),
    Column("tokens", BigInteger, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("tenant", String(200), nullable=False, index=True),
    Column("app", String(200), nullable=False),
    Column("session", String(200), nullable=False),
    Column("vfm", String(200), nullable=False),
    Column("trace_id", String(40), nullable=False),
    Column("tool", String(200), nullable=False),
    Column("privilege", Integer, nullable=False),
    Column("clearance", Integer, nullable=False),
    Column("arguments", JSON, nullable=False),
    Column("response", JSON, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("decided_at", Float),
    Column("decided_by", String(200)),
    Column("reason", Text),
    # migration 0004: what is approved, the context that raised it, when it lapses
    Column("kind", String(20), nullable=False, server_default="tool_call"),
    Column("definition", JSON),
    Column("context", JSON),
    Column("expires_at", Float),
)

# migration 0004: tool definitions pinned by hash, per tenant
tool_pins = Table(
    "tool_pins",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("tool", String(200), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("pinned_at", Float, nullable=False),
    Column("pinned_by", String(200), nullable=False),
)

# migration 0004: the audit trail, append-only and hash-chained
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("tenant", String(200), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

kv = Table(
    "kv",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("namespace", String(500), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# The agent filesystem (fmos_core.memory): content per tenant, immutable versions
# (a handle names one), the current tree, session state, the tool-call log, snapshots.
fs_blobs = Table(
    "fs_blobs",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

fs_versions = Table(
    "fs_versions",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("session", String(200), primary_key=True),
    Column("handle", String(40), primary_key=True),
    Column("path", String(1000), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

fs_files = Table(
    "fs_files",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("session", String(200), primary_key=True),
    Column("path", String(1000), primary_key=True),
    Column("handle", String(40), nullable=False),
)

fs_state = Table(
    "fs_state",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("session", String(200), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("value", Text, nullable=False),
)

fs_tool_calls = Table(
    "fs_tool_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(200), nullable=False),
    Column("session", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("name", String(200), nullable=False),
    Column("arguments", Text, nullable=False),
    Column("result_summary", Text, nullable=False),
    Column("handle", String(40)),
    Index("ix_fs_tool_calls_scope", "tenant", "session", "id"),
)

fs_snapshots = Table(
    "fs_snapshots",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(200), nullable=False),
    Column("session", String(200), nullable=False),
    Column("label", String(500)),
    Column("created_at", Float, nullable=False),
    Index("ix_fs_snapshots_scope", "tenant", "session"),
)

fs_snapshot_files = Table(
    "fs_snapshot_files",
    metadata,
    Column("snapshot_id", String(40), primary_key=True),
    Column("path", String(1000), primary_key=True),
    Column("handle", String(40), nullable=False),
)

fs_snapshot_state = Table(
    "fs_snapshot_state",
    metadata,
    Column("snapshot_id", String(40), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("value", Text, nullable=False),
)

# migration 0006: the exact response cache, per tenant (fmos_core.cache)
response_cache = Table(
    "response_cache",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("vfm", String(200), nullable=False, index=True),
    Column("response", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# migration 0007: the semantic response cache, per tenant (fmos_core.cache.semantic)
semantic_cache = Table(
    "semantic_cache",
    metadata,
    Column("tenant", String(200), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("vfm", String(200), nullable=False),
    Column("scope", String(64), nullable=False),  # everything that shapes the answer but wording
    Column("facts", String(32), nullable=False),  # digest of the literal facts of the question
    Column("question", Text, nullable=False),
    Column("embedding", LargeBinary, nullable=False),  # float32, unit length
    Column("response", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_semantic_cache_lookup", "tenant", "scope", "facts"),
    Index("ix_semantic_cache_vfm", "tenant", "vfm"),
)

# migration 0008: versions of a VFM's evolvable artifacts, their aliases and the aliases'
# history (fmos_core.evolution)
artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("vfm", String(200), primary_key=True),
    Column("kind", String(50), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("evaluation", JSON),
)

artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column("vfm", String(200), primary_key=True),
    Column("kind", String(50), primary_key=True),
    Column("alias", String(50), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

alias_moves = Table(
    "alias_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("vfm", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("alias", String(50), nullable=False),
    Column("from_version", Integer),
    Column("to_version", Integer),
    Column("action", String(20), nullable=False),  # move | promote | rollback
    Column("at", Float, nullable=False),
    Column("by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_alias_moves_lookup", "vfm", "kind", "alias"),
)

mirror_outbox = Table(  # changes a mirror (MLflow) has not taken yet, oldest first
    "mirror_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event", String(20), nullable=False),  # version | evaluation | alias
    Column("payload", JSON, nullable=False),
    Column("error", Text, nullable=False),
    Column("at", Float, nullable=False),
)
