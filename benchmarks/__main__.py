"""`python -m benchmarks [--quick] [--only http,fuzzy]`: run, print and write the tables."""

from __future__ import annotations

import argparse
import logging

from benchmarks import databases, report
from benchmarks.report import ms, table


def fuzzy_section(sizes: list[int], rounds: dict[int, int]) -> list[tuple[str, str]]:
    from benchmarks import data, fuzzy, memory
    from storage.db import Database

    rows, memory_rows = [], []
    for kind in ("sqlite", "postgresql"):
        for size in sizes:
            with databases.scratch(kind) as url:
                db = Database.from_url(url)
                titles = data.seed_needs(db, size)
                db.engine.dispose()
                for r in fuzzy.run(url, titles, rounds[size]):
                    rows.append(
                        [
                            r["what"],
                            kind,
                            f"{size:,}",
                            ms(r["ours_p50"]),
                            ms(r["ours_p99"]),
                            ms(r["floor_p99"]),
                            f"**{r['ratio']:.2f}×**",
                            f"{ms(r['ours_stall'])} / {ms(r['floor_stall'])}",
                        ]
                    )
                if size == max(sizes):
                    mb = memory.peak_mb(url)
                    memory_rows.append([kind, f"{size:,}", mb["VmRSS"], mb["VmHWM"]])
            print(f"fuzzy {kind} {size} done", flush=True)
    fuzzy_table = table(
        [
            "what",
            "database",
            "needs",
            "ours p50 ms",
            "ours p99 ms",
            "floor p99 ms",
            "p99 ratio (target ≤ 1.3×)",
            "others' longest wait ms, ours / floor",
        ],
        rows,
    )
    memory_table = table(["database", "needs", "RSS MB", "peak RSS MB (target < 300)"], memory_rows)
    return [
        ("Fuzzy lookup and duplicate detection", fuzzy_table),
        ("Memory of a bot process", memory_table),
    ]


def _fuzzy(quick: bool) -> list[tuple[str, str]]:
    sizes = [1_000, 10_000] if quick else [10_000, 100_000]
    rounds = {1_000: 40, 10_000: 40 if quick else 200, 100_000: 40}
    return fuzzy_section(sizes, rounds)


def _module_section(name: str):
    def run(quick: bool) -> list[tuple[str, str]]:
        import importlib

        return importlib.import_module(f"benchmarks.{name}").section(quick=quick)

    return run


SECTIONS = {
    "http": _module_section("http"),
    "votes": _module_section("votes"),
    "fuzzy": _fuzzy,
    "pages": _module_section("pages"),
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS)
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    wanted = set(args.only.split(","))
    block = ""
    for name, run in SECTIONS.items():
        if name in wanted:  # written as each section ends: a later failure keeps the results
            block = report.write(run(args.quick))
    print(block)


if __name__ == "__main__":
    main()
