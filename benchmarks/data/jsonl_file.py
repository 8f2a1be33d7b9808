"""The command line the data generators share: write the JSONL file, or check it is
current (``--check`` exits 1 when the file differs from what the generator makes)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def render(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_or_check(
    records: list[dict[str, object]], *, out: Path, generator: str, about: str
) -> int:
    parser = argparse.ArgumentParser(description=about)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    content = render(records)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != content:
            print(f"{args.out} is stale: run {generator}", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(content, encoding="utf-8")
    print(f"wrote {len(content.splitlines())} records to {args.out}")
    return 0
