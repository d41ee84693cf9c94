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
        ],
        rows,
    )
    memory_table = table(["database", "needs", "RSS MB", "peak RSS MB (target < 300)"], memory_rows)
    return [
        ("Fuzzy lookup and duplicate detection", fuzzy_table),
        ("Memory of a bot process", memory_table),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds")
    parser.add_argument(
        "--only", default="http,fuzzy,pages", help="comma-separated: http,fuzzy,pages"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    wanted = set(args.only.split(","))
    sections: list[tuple[str, str]] = []
    if "http" in wanted:
        from benchmarks import http

        sections += http.section(quick=args.quick)
    if "fuzzy" in wanted:
        sizes = [1_000, 10_000] if args.quick else [10_000, 100_000]
        rounds = {1_000: 40, 10_000: 40 if args.quick else 200, 100_000: 40}
        sections += fuzzy_section(sizes, rounds)
    if "pages" in wanted:
        from benchmarks import pages

        sections += pages.section(quick=args.quick)
    print(report.write(sections))


if __name__ == "__main__":
    main()
