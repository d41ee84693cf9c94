"""Long content packed into as few pieces as fit a limit (a section's 3,000 characters, a
message's comment), never split inside a line or an escape.

One section per part (kit.text_sections) is fine for one long text; a view with many of them
(the mission document's parts, the timetable, the completion) would need more than a modal's
100 blocks at their maximal lengths, so they share sections here instead.
"""

from __future__ import annotations

from commands.render.kit import escaped_chunks, section

MIN_ROOM = 100  # a heading with less room than this under it begins the next piece


class Packed:
    """Lines and whole user texts one after another, in pieces of at most `limit` characters.

    A line is kept whole (each must fit a piece). A user text is escaped and begins in the room
    left in the current piece, then goes on in new ones (kit.escaped_chunks).
    """

    def __init__(self, limit: int = 3000) -> None:
        self.limit = limit
        self.pieces: list[str] = []
        self._gap = False

    def gap(self) -> Packed:
        """An empty line above what comes next, unless that begins a piece."""
        self._gap = bool(self.pieces)
        return self

    def line(self, line: str) -> Packed:
        return self._add(line)

    def lines(self, lines) -> Packed:
        for line in lines:
            self.line(line)
        return self

    def heading(self, heading: str) -> Packed:
        """A line that what follows belongs under: it begins the next piece when less than
        MIN_ROOM would be left under it."""
        return self._add(heading, keep=MIN_ROOM)

    def text(self, heading: str, text: str, *, inline: bool = False) -> Packed:
        """`heading` and the whole of a user text under it, escaped (on the same line, after a
        space, when `inline`)."""
        self.heading(heading)
        joint = " " if inline else "\n"
        chunks = escaped_chunks(text, self.limit, first=self.limit - len(self.pieces[-1]) - 1)
        if chunks:
            self._add(chunks[0], joint)
            self.pieces += chunks[1:]
        return self

    def sections(self) -> list[dict]:
        return [section(piece) for piece in self.pieces]

    def _add(self, text: str, joint: str | None = None, keep: int = 0) -> Packed:
        """`text` at the current piece's end (after a line break, or `joint`), or as the next
        piece when it does not fit there with `keep` characters to spare."""
        joint = joint or ("\n\n" if self._gap else "\n")
        if self.pieces and len(self.pieces[-1]) + len(joint) + len(text) + keep <= self.limit:
            self.pieces[-1] += joint + text
        else:
            self.pieces.append(text)
        self._gap = False
        return self
