"""Summarise py-spy raw (collapsed-stack) files: the share of samples inside each function.

    python bench/profile_summary.py DIR_OR_FILE... [--top 30] [--match kafka,great_expectations]

Inclusive share: a sample counts for every distinct function on its stack. `--match` adds
a line per substring: the share of samples with any frame whose file contains it.
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path


def summarise(path: Path, top: int, matches: list[str]) -> str:
    """Summarise a collapsed-stack profile: its top frames and the matched ones."""
    total = 0
    inclusive: collections.Counter = collections.Counter()
    matched: collections.Counter = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            name, _, where = frame.partition(" (")
            key = f"{name} ({where.split(':')[0]})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += count
        for m in matches:
            if any(m in frame for frame in frames):
                matched[m] += count
    out = [f"== {path.name}: {total} samples"]
    out += [f"{100 * matched[m] / total:5.1f}%  any frame in *{m}*" for m in matches]
    out += [f"{100 * v / total:5.1f}%  {k[:160]}" for k, v in inclusive.most_common(top)]
    return "\n".join(out)


def main() -> None:
    """Parse the command line and print a summary of each profile."""
    p = argparse.ArgumentParser()
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--match", default="kafka/,great_expectations/,pandas/,psycopg2,pydantic")
    args = p.parse_args()
    files = [f for p_ in args.paths for f in (sorted(p_.glob("*.txt")) if p_.is_dir() else [p_])]
    for f in files:
        print(summarise(f, args.top, [m for m in args.match.split(",") if m]))


if __name__ == "__main__":
    main()
