"""Image preparation off the event loop, a bounded number at a time, so a burst of photos never delays an ack."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.images.limits import ImageLimits
from bot.images.prepare import PreparedImage, prepare_image


class ImagePreparer:
    """Decodes in threads of its own, at most `concurrency` (by default one per core) at once; the rest queue.

    Decoding is CPU-bound and holds a whole picture in memory, so more at once than cores only costs memory. The
    threads are its own, not the event loop's shared pool: few threads reuse the same memory picture after
    picture, where many would each keep some.
    """

    def __init__(self, limits: ImageLimits, concurrency: int | None = None) -> None:
        self.limits = limits
        self._threads = ThreadPoolExecutor(max_workers=concurrency or os.cpu_count() or 1, thread_name_prefix="images")

    async def prepare(self, path: Path, name: str) -> PreparedImage:
        """`path` checked and, if needed, converted; raises ImageRefused with a sentence naming `name`."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, prepare_image, path, name, self.limits)

    def close(self) -> None:
        """Let the threads end once the images in progress are done; nothing new may be prepared afterwards."""
        self._threads.shutdown(wait=False, cancel_futures=True)
