"""``PoolProfile``: what one profiling run measured on one pFM, with its date."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SCHEMA = 1


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One eval item on one pFM: passed or not, the answer (cut to 200 characters)."""

    ok: bool
    answer: str
    ttft_ms: float
    output_tokens: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PoolProfile:
    """A pFM's measured profile. Times are wall-clock on this machine.

    ``load_s``: building the backend plus the first token of a warm-up call (an
    embedded model loads then; a server pFM makes its first connection).
    ``ttft_ms``: the median over the eval items of the time from sending a streamed
    request to its first text delta. ``tokens_per_s``: the items' output tokens over
    their generation time (request sent to last chunk, prompt processing included).
    ``tokens_estimated``: the pFM reported no token counts, so text deltas were counted.

    Example:
        >>> p = PoolProfile(pfm="smol", driver="llamacpp", model_version="v",
        ...                 created_at="2026-01-02T03:04:05.000006Z", load_s=1.0,
        ...                 ttft_ms=20.0, tokens_per_s=50.0, items=2, successes=1)
        >>> p.success_rate, p.stamp
        (0.5, '20260102T030405.000006Z')
    """

    pfm: str
    driver: str
    model_version: str
    created_at: str  # ISO 8601, UTC, microseconds, "Z"
    load_s: float
    ttft_ms: float
    tokens_per_s: float
    items: int
    successes: int
    errors: int = 0
    output_tokens: int = 0
    generation_s: float = 0.0
    tokens_estimated: bool = False
    eval_file: str = ""
    eval_sha256: str = ""
    results: list[ItemResult] = field(default_factory=list)
    schema: int = SCHEMA

    @property
    def success_rate(self) -> float:
        return self.successes / self.items if self.items else 0.0

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at)

    @property
    def stamp(self) -> str:
        """The artifact's file stem: the date, compact and sortable."""
        return self.created.strftime("%Y%m%dT%H%M%S.%fZ")

    def replace(self, **changes: Any) -> PoolProfile:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PoolProfile:
        """Rebuild a profile; raises ``TypeError``/``ValueError`` on a malformed mapping."""
        if not isinstance(data, dict):
            raise TypeError(f"a profile is a JSON object, not {type(data).__name__}")
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r} is not {SCHEMA}")
        results = [ItemResult(**r) for r in data.get("results", [])]
        profile = cls(**{**data, "results": results})
        for name, kinds in _FIELD_TYPES.items():
            value = getattr(profile, name)
            if isinstance(value, bool) or not isinstance(value, kinds):
                raise TypeError(f"{name} is {value!r}, not a {kinds[0].__name__}")
        parse_time(profile.created_at)
        return profile


_TEXT, _COUNT, _FIGURE = (str,), (int,), (float, int)
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("pfm", "driver", "model_version", "created_at"), _TEXT),
    **dict.fromkeys(("items", "successes", "errors", "output_tokens"), _COUNT),
    **dict.fromkeys(("load_s", "ttft_ms", "tokens_per_s", "generation_s"), _FIGURE),
}


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
