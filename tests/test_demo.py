"""`aigc-bot demo`: the whole job on one computer, run as a newcomer runs it, in a folder of their own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import clean_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Settings a newcomer may already have: the demo must use none of them.
REAL_SETTINGS = {
    "AIGC_BOT_DB": "real-log.db",
    "SLACK_BOT_TOKEN": "xoxb-real-token",
    "TENCENTCLOUD_VOD_ENDPOINT": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
}


def run_demo(folder: Path, *args: str, typed: str = "") -> subprocess.CompletedProcess[str]:
    (folder / ".env").write_text("AIGC_BOT_DB=./env-file-log.db\nSLACK_SIGNING_SECRET=from-the-env-file\n")
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", "demo", *args],
        cwd=folder,
        env=clean_env(REAL_SETTINGS),
        input=typed,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_demo_prints_the_thread_saves_the_images_and_touches_no_real_log(tmp_path: Path) -> None:
    done = run_demo(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    command = out.index("@you: /aigc product ")
    parent = out.index("#demo  @you asked for *AI product image*")
    task_id = out.index("TaskId: `1500000001-SceneAigcImageTask-")
    progress = re.search(r"\(parent now reads\).*\n.*\n.*:hourglass: \d+%", out)
    results = out.index("Here are your results")
    assert progress is not None, out
    assert command < parent < task_id < progress.start() < results < out.index(":white_check_mark: done")
    saved = sorted((tmp_path / "aigc-demo").glob("product-*.png"))
    assert len(saved) == 2 and all(path.read_bytes().startswith(PNG_MAGIC) for path in saved)
    assert saved[0].read_bytes() != saved[1].read_bytes()
    for path in saved:
        assert f"saved as aigc-demo/{path.name}" in out and str(path) in out
    assert (tmp_path / "aigc-demo" / "aigc-demo.db").is_file()
    assert not (tmp_path / "real-log.db").exists() and not (tmp_path / "env-file-log.db").exists()


def test_demo_serve_sends_each_typed_line_as_a_command(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--serve", typed="history\n")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Type what follows /aigc" in out
    typed = out.index("@you: /aigc history")
    assert "AI product image" in out[typed:], out[typed:]
