"""The open-data exports last built, by ETag: a repeated download is answered without reading
or encoding a single need, until something public changes.

An export is written a batch of records at a time into a spooled temporary file: up to
SPOOL_BYTES in memory, beyond that an unnamed file in the system's temp directory (`TMPDIR`),
so a build holds a batch and at most SPOOL_BYTES in memory, never the whole body (about
70 MB of JSON at 100,000 needs). The cache keeps what was built: small bodies as bytes, large
ones as their file, closed (and so removed by the system) when replaced or evicted.
Downloads read the kept bytes in chunks, each with a reader of its own, and no database read
is open while they are sent.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from tempfile import SpooledTemporaryFile
from typing import IO

from bot.turns import FairLimit

# A process must stay under 300 MB, and at 100,000 needs it already holds about 225 MB
# (benchmarks/README.md, memory). Bodies up to SPOOL_BYTES stay in memory, at most
# BUDGET_BYTES of them in all: at 10,000 needs the whole CSV (about 3 MB) and many filtered
# exports. Larger bodies (the whole JSON at 10,000 needs, about 6 MB; the whole exports at
# 100,000 needs, about 70 and 35 MB) are kept on disk, at most DISK_BUDGET_BYTES of them.
SPOOL_BYTES = 4 * 1024 * 1024
BUDGET_BYTES = 32 * 1024 * 1024
DISK_BUDGET_BYTES = 512 * 1024 * 1024
CHUNK_BYTES = 256 * 1024  # read and sent at a time


class Export:
    """One download's reader of a built export: its bytes in chunks, and what the build
    returned besides (a JSON export's count and total).

    An export on disk is read through a descriptor of its own (a duplicate of the kept
    file's, read with os.pread: POSIX), so a download goes on when the cache drops the file
    meanwhile: the system removes an unnamed temporary file when its last descriptor is
    closed."""

    def __init__(self, info: object, size: int, data: bytes | None, fd: int | None) -> None:
        self.info, self.size, self._data = info, size, data
        # A file object owns the descriptor: closed when read to the end or when the answer
        # ends (web.public), else when the garbage collector takes it.
        self._file = open(fd, "rb", buffering=0) if fd is not None else None  # noqa: SIM115

    def chunks(self) -> Iterator[bytes]:
        try:
            offset = 0
            while offset < self.size:
                wanted = min(CHUNK_BYTES, self.size - offset)
                if self._file is None:
                    chunk = self._data[offset : offset + wanted]
                else:
                    chunk = os.pread(self._file.fileno(), wanted, offset)
                if not chunk:
                    raise OSError(f"the kept export ended after {offset} of {self.size} bytes")
                offset += len(chunk)
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class _Body:
    """A built export as kept: its bytes in memory, or its unnamed temporary file."""

    def __init__(self, spooled: SpooledTemporaryFile, on_disk: bool, info: object) -> None:
        self.info, self.size = info, spooled.tell()
        self.spooled: SpooledTemporaryFile | None = spooled if on_disk else None
        self.data: bytes | None = None
        if on_disk:
            spooled.fileno()  # on disk already (it passed SPOOL_BYTES); fileno() makes sure
            spooled.flush()  # downloads read the descriptor, past the file object's buffer
        else:
            spooled.seek(0)
            self.data = spooled.read()
            spooled.close()

    @property
    def on_disk(self) -> bool:
        return self.spooled is not None

    def export(self) -> Export:
        """A reader of its own; call it under the cache's lock, so the file is open."""
        fd = os.dup(self.spooled.fileno()) if self.spooled is not None else None
        return Export(self.info, self.size, self.data, fd)

    def close(self) -> None:
        if self.spooled is not None:
            self.spooled.close()


class ExportCache:
    """Built exports by ETag, least recently used first out, within a byte budget in memory
    and another on disk.

    The tag covers everything an export depends on (the database's change marker, format,
    filters, window, base URL), so a kept body is exactly what a build would give now. Only
    bodies of the latest change marker are kept: after a change the old ones are never asked
    for again, and their files are closed (and so removed) at once. One export is built at a
    time, first come first served: downloads that arrive together after a change wait for
    the first build instead of each building the same body; two builds at once would not
    finish sooner (one GIL).
    """

    def __init__(
        self,
        budget: int = BUDGET_BYTES,
        disk_budget: int = DISK_BUDGET_BYTES,
        spool_bytes: int = SPOOL_BYTES,
    ) -> None:
        self.budget, self.disk_budget, self.spool_bytes = budget, disk_budget, spool_bytes
        self._bodies: OrderedDict[str, tuple[object, _Body]] = OrderedDict()
        self._lock = threading.Lock()  # guards _bodies; held for dict work only
        self._building = FairLimit(1)  # one build at a time, waiting downloads in turn

    def get_or_build(
        self, tag: str, marker: object, build: Callable[[IO[bytes]], object]
    ) -> Export:
        """The export kept for `tag`, or the one `build(file)` writes now (the bytes into
        `file`; what it returns is the export's `info`), kept if it fits."""
        found = self._export(tag)
        if found is not None:
            return found
        with self._building:
            found = self._export(tag)  # built by the download this one waited for
            if found is not None:
                return found
            spooled = SpooledTemporaryFile(max_size=self.spool_bytes)  # noqa: SIM115
            try:
                info = build(spooled)
                body = _Body(spooled, spooled.tell() > self.spool_bytes, info)
            except BaseException:
                spooled.close()
                raise
            with self._lock:
                export = body.export()
                self._keep(tag, marker, body)
            return export

    def _export(self, tag: str) -> Export | None:
        with self._lock:
            entry = self._bodies.get(tag)
            if entry is None:
                return None
            self._bodies.move_to_end(tag)
            return entry[1].export()

    def _keep(self, tag: str, marker: object, body: _Body) -> None:
        for old in [t for t, (m, _) in self._bodies.items() if m != marker]:
            self._bodies.pop(old)[1].close()
        if body.size > self._budget(body.on_disk):
            body.close()  # answered, not kept
            return
        self._bodies[tag] = (marker, body)
        for on_disk in (False, True):
            while self._kept(on_disk) > self._budget(on_disk):
                oldest = next(t for t, (_, b) in self._bodies.items() if b.on_disk == on_disk)
                self._bodies.pop(oldest)[1].close()

    def _budget(self, on_disk: bool) -> int:
        return self.disk_budget if on_disk else self.budget

    def _kept(self, on_disk: bool) -> int:
        return sum(b.size for _, b in self._bodies.values() if b.on_disk == on_disk)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept in memory."""
        return self._kept(False)

    @property
    def disk_size(self) -> int:
        """Bytes of the bodies kept in temporary files."""
        return self._kept(True)

    def __len__(self) -> int:
        return len(self._bodies)

    def clear(self) -> None:
        with self._lock:
            for _, body in self._bodies.values():
                body.close()
            self._bodies.clear()
