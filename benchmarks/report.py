"""Write the results as Markdown tables between markers in benchmarks/README.md."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path

README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write(sections: list[tuple[str, str]]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [f"Run {stamp} on {platform.machine()}, Python {platform.python_version()}."]
    for title, text in sections:
        body += ["", f"### {title}", "", text]
    block = BEGIN + "\n" + "\n".join(body) + "\n" + END
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    README.write_text(text[:start] + block + text[end:])
    return block
