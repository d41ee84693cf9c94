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
    """Replace the named sections (keeping those this run did not measure) and stamp the run."""
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    kept = _sections(text[start + len(BEGIN) : end - len(END)])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for title, body in sections:
        kept[title] = f"(run {stamp} on {platform.machine()}, Python "
        kept[title] += f"{platform.python_version()})\n\n{body}"
    body = []
    for title, content in kept.items():
        body += ["", f"### {title}", "", content.strip()]
    block = BEGIN + "\n" + "\n".join(body).strip() + "\n" + END
    README.write_text(text[:start] + block + text[end:])
    return block


def _sections(block: str) -> dict[str, str]:
    found: dict[str, str] = {}
    title = None
    for line in block.splitlines():
        if line.startswith("### "):
            title = line[4:].strip()
            found[title] = ""
        elif title is not None:
            found[title] += line + "\n"
    return found
