"""Image preparation off the event loop, a bounded number at a time, so a burst of photos never delays an ack."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.images.limits import ImageLimits
from bot.images.prepare import PreparedImage, prepare_image


class ImagePreparer:
    """Decodes in worker threads, at most `concurrency` (by default one per core) at once; the rest wait here."""

    def __init__(self, limits: ImageLimits, concurrency: int | None = None) -> None:
        self.limits = limits
        # Decoding is CPU-bound and holds a whole picture in memory: more at once than cores only costs memory.
        self._decoding = asyncio.Semaphore(concurrency or os.cpu_count() or 1)

    async def prepare(self, path: Path, name: str) -> PreparedImage:
        """`path` checked and, if needed, converted; raises ImageRefused with a sentence naming `name`."""
        async with self._decoding:
            return await asyncio.to_thread(prepare_image, path, name, self.limits)
