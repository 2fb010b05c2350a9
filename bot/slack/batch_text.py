"""Catalogue batches in Slack: `/aigc batch …`, the CSV file's rows as requests, and every text a batch shows."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import httpx

from bot import wording
from bot.errors import BotError
from bot.rules import OPTION_NAMES, Draft, Naming
from bot.slack.command_text import CommandError, Generate, generate
from bot.slack.files import DownloadTooLarge, download_to_temp_file, token_may_go_to
from bot.slack.messages import button, confirm_dialog, context_block, escape, progress_bar, text_block
from bot.slack.modal import input_block, modal_view
from bot.slack.refs import BadRef, Ref, parse_ref
from bot.store.batches import Batch, BatchCounts
from bot.store.db import RequestRow

COLUMNS = ("scene", "image", "clothes", "prompt", "preset", "ratio", "count", "resolution", "model", "negative")
LIST_SEPARATOR = "|"
FORM_CALLBACK = "aigc_batch_form"
FILE_BLOCK = "batch_file"
FILE_ACTION = "file"
SUBMIT_ACTION = "aigc_batch_submit"
DROP_ACTION = "aigc_batch_drop"
# The most problems one message lists; the rest are counted.
SHOWN_PROBLEMS = 40
FORMAT_HINT = wording.batches.FORMAT_HINT.format(columns=",".join(COLUMNS))
# A catalogue of the largest batch allowed is a few hundred KB; anything far larger is not one.
MAX_CSV_BYTES = 5 * 1_048_576


class BatchFileError(BotError, ValueError):
    """A CSV file that cannot be read as a batch at all; the message says why."""


@dataclass(frozen=True)
class BatchForm:
    pass


@dataclass(frozen=True)
class BatchStatus:
    batch_id: int | None = None


@dataclass(frozen=True)
class BatchCancel:
    batch_id: int


BatchCommand = BatchForm | BatchStatus | BatchCancel


def _batch_id(word: str) -> int:
    cleaned = word.strip("`#")
    if not cleaned.isdigit():
        raise CommandError(wording.batches.NOT_A_BATCH_ID.format(word=escape(word[:40]), usage=wording.batches.USAGE))
    return int(cleaned)


def parse_batch_command(text: str) -> BatchCommand | None:
    """`/aigc batch …`, or None for any other command. Raises CommandError for a batch command that is wrong."""
    words = text.split()
    if not words or words[0].lower() != "batch":
        return None
    rest = words[1:]
    if not rest:
        return BatchForm()
    head = rest[0].lower()
    if head == "status" and len(rest) <= 2:
        return BatchStatus(_batch_id(rest[1]) if len(rest) == 2 else None)
    if head == "cancel":
        if len(rest) != 2:
            raise CommandError(wording.batches.CANCEL_NEEDS_ID.format(usage=wording.batches.USAGE))
        return BatchCancel(_batch_id(rest[1]))
    raise CommandError(wording.batches.USAGE)


# -- the CSV file ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    """One request of the file: its row number as a spreadsheet shows it (the header is row 1) and its cells."""

    number: int
    cells: dict[str, str]

    def items(self, column: str) -> list[str]:
        return [part.strip() for part in self.cells.get(column, "").split(LIST_SEPARATOR) if part.strip()]


@dataclass(frozen=True)
class CsvProblem:
    number: int
    reason: str


def parse_batch_csv(data: bytes) -> tuple[list[CsvRow], list[CsvProblem]]:
    """The file's requests and the rows that cannot be read; raises BatchFileError for a file that is no batch.

    Empty rows are skipped and keep their number, so every number matches the row a spreadsheet shows.
    """
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError:
        raise BatchFileError(wording.batches.NOT_UTF8) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise BatchFileError(wording.batches.FILE_EMPTY.format(format_hint=FORMAT_HINT))
    # Semicolons where the header has more of them than commas (spreadsheets in many locales), else commas.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[CsvRow] = []
    problems: list[CsvProblem] = []
    try:
        for number, cells in enumerate(reader, 1):
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
                continue
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                reason = wording.batches.WRONG_CELL_COUNT.format(cells=len(cells), columns=len(header))
                problems.append(CsvProblem(number, reason))
                continue
            rows.append(CsvRow(number, {name: cell.strip() for name, cell in zip(header, cells, strict=False)}))
    except csv.Error as error:
        raise BatchFileError(wording.batches.NOT_CSV.format(error=error, format_hint=FORMAT_HINT)) from None
    if not rows and not problems:
        raise BatchFileError(wording.batches.NO_ROWS.format(format_hint=FORMAT_HINT))
    return rows, problems


async def download_csv(http: httpx.AsyncClient, meta: dict[str, Any], *, bot_token: str, api_url: str) -> bytes:
    """The file's bytes; raises BatchFileError with a sentence for the person when they cannot be had."""
    name = str(meta.get("name") or meta.get("id") or "the file")
    url = str(meta.get("url_private_download") or meta.get("url_private") or "")
    if not url:
        raise BatchFileError(wording.images.NO_DOWNLOAD_LINK.format(name=name))
    if not token_may_go_to(url, api_url):
        raise BatchFileError(wording.images.LINK_NOT_SLACK.format(name=name))

    def refused(response: httpx.Response) -> None:
        if response.status_code != 200:
            raise BatchFileError(
                wording.batches.SLACK_REFUSED_DOWNLOAD.format(name=name, status_code=response.status_code)
            )

    try:
        path = await download_to_temp_file(
            http,
            url,
            max_bytes=MAX_CSV_BYTES,
            prefix="aigc-batch-",
            headers={"Authorization": f"Bearer {bot_token}"},
            check_response=refused,
        )
    except DownloadTooLarge:
        raise BatchFileError(
            wording.batches.FILE_TOO_LARGE.format(name=name, max_megabytes=MAX_CSV_BYTES // 1048576)
        ) from None
    except httpx.TransportError as error:
        raise BatchFileError(
            wording.batches.DOWNLOAD_FAILED.format(name=name, error_kind=type(error).__name__)
        ) from None
    try:
        body = path.read_bytes()
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    if body[:64].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise BatchFileError(wording.batches.SLACK_SENT_SIGN_IN_PAGE.format(name=name))
    return body


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    unknown = [name for name in names if name and name not in COLUMNS]
    if "scene" not in names or unknown:
        named = wording.batches.UNKNOWN_COLUMN.format(unknown=escape(", ".join(unknown)[:200])) if unknown else ""
        raise BatchFileError(wording.batches.NO_HEADER.format(named=named, format_hint=FORMAT_HINT))
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise BatchFileError(wording.batches.REPEATED_COLUMN.format(repeated=", ".join(repeated)))
    return names


def _refs(row: CsvRow, column: str) -> list[Ref]:
    refs: list[Ref] = []
    for item in row.items(column):
        try:
            refs.append(parse_ref(item, allow_paths=False))
        except BadRef as bad:
            raise CommandError(f"{column}: {bad}") from None
    return refs


# A row's sentences name the column a mistake is in (the row number comes before them).
CSV = Naming(
    name=lambda column: f"`{column}`",
    given=lambda column, value: f"`{value}` in `{column}`",
    image_sources=wording.batches.IMAGE_SOURCES,
    remove_prompt="Empty `prompt`",
    places={"image": " in `image`", "clothes": " in `clothes`"},
)


def row_command(row: CsvRow) -> Generate:
    """The request one row asks for, under the rules of every request; raises CommandError."""
    options = {name: row.cells[name] for name in OPTION_NAMES if row.cells.get(name)}
    images, clothes, cells = _refs(row, "image"), _refs(row, "clothes"), row.cells
    preset = cells.get("preset") or None
    draft = Draft(cells.get("scene", ""), images, clothes, cells.get("prompt"), options, preset=preset)
    return generate(draft, CSV)


def csv_files(files: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The shared files that look like CSV files."""
    return [
        f
        for f in files or []
        if str(f.get("filetype") or "").lower() == "csv"
        or str(f.get("name") or "").lower().endswith(".csv")
        or str(f.get("mimetype") or "").lower() in ("text/csv", "application/csv")
    ]


# -- the form ---------------------------------------------------------------------------------------------------


def batch_form_view(channel_id: str) -> dict[str, Any]:
    metadata = json.dumps({"c": channel_id}, separators=(",", ":"))
    element = {"type": "file_input", "action_id": FILE_ACTION, "filetypes": ["csv"], "max_files": 1}
    blocks = [
        input_block(FILE_BLOCK, wording.batches.FORM_FILE_LABEL, element, optional=False),
        context_block(FORMAT_HINT + wording.batches.CHECKED_BEFORE_BILLING),
    ]
    return modal_view(FORM_CALLBACK, metadata, wording.batches.FORM_TITLE, wording.batches.FORM_SUBMIT, blocks)


def form_files(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The file objects a submitted batch form carries (a file_input's value is a list of files)."""
    value = (view.get("state", {}).get("values", {}).get(FILE_BLOCK) or {}).get(FILE_ACTION) or {}
    return [f for f in value.get("files") or [] if isinstance(f, dict) and f.get("id")]


def form_channel(view: dict[str, Any]) -> str:
    """The channel the batch form was opened from; its answer goes there, not into a thread."""
    return str(json.loads(view.get("private_metadata") or "{}").get("c") or "")


# -- what a batch says ---------------------------------------------------------------------------------------


def problems_text(file_name: str, problems: list[CsvProblem]) -> str:
    """One message for every row that cannot run, in row order."""
    ordered = sorted(problems, key=lambda p: p.number)
    lines = [f"• Row {p.number}: {escape(p.reason)}" for p in ordered[:SHOWN_PROBLEMS]]
    if len(ordered) > SHOWN_PROBLEMS:
        lines.append(f"• …and {len(ordered) - SHOWN_PROBLEMS} more rows.")
    plural = "rows" if len(ordered) != 1 else "row"
    return wording.batches.ROWS_CANNOT_RUN.format(
        file_name=escape(file_name), count=len(ordered), plural=plural
    ) + "\n".join(lines)


def file_problem_text(file_name: str, problem: str) -> str:
    return wording.batches.FILE_REFUSED.format(file_name=escape(file_name), problem=problem)


def counted(count: int, noun: str) -> str:
    """`1 request`, `3 requests`."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def confirmation_blocks(batch: Batch, allowance: str) -> tuple[str, list[dict[str, Any]]]:
    """The message that asks for the Submit click: what will be billed, and what today's caps allow."""
    requests, images = counted(batch.row_count, "request"), counted(batch.image_count, "image")
    text = wording.batches.BATCH_CHECKED.format(
        id=batch.id,
        user_id=batch.user_id,
        file_name=escape(batch.file_name),
        requests=requests,
        images=images,
        allowance=allowance,
    )
    billed = wording.batches.SUBMIT_CONFIRM_TEXT.format(requests=requests, images=images)
    confirm = confirm_dialog(
        wording.batches.SUBMIT_CONFIRM_TITLE, billed, confirm=wording.batches.SUBMIT_BATCH, deny=wording.batches.NOT_YET
    )
    buttons = [
        button(SUBMIT_ACTION, wording.batches.SUBMIT_BATCH, str(batch.id), style="primary", confirm=confirm),
        button(DROP_ACTION, wording.batches.DISCARD, str(batch.id)),
    ]
    return text, [text_block(text), {"type": "actions", "block_id": f"batch-{batch.id}", "elements": buttons}]


def allowance_text(user_left: int | None, workspace_left: int | None) -> str:
    """What today's caps still allow, in one sentence."""
    parts = []
    if user_left is not None:
        parts.append(wording.batches.USER_ALLOWANCE.format(user_left=counted(user_left, "request")))
    if workspace_left is not None:
        parts.append(wording.batches.WORKSPACE_ALLOWANCE.format(workspace_left=counted(workspace_left, "request")))
    if not parts:
        return wording.batches.NO_DAILY_CAP
    return wording.batches.TODAYS_CAPS + " and ".join(parts) + " (they reset at 00:00 UTC)."


def progress_line(counts: BatchCounts) -> str:
    """`▓▓▓▓░░░░░░ 23/50 submitted · 12 done · 1 failed` (and cancelled rows, when there are any)."""
    share = counts.ended / counts.total if counts.total else 1.0
    line = f"{progress_bar(share)} {counts.submitted}/{counts.total} submitted"
    line += f" · {counts.done} done · {counts.failed} failed"
    if counts.cancelled:
        line += f" · {counts.cancelled} cancelled"
    return line


def parent_text(batch: Batch, counts: BatchCounts) -> str:
    """The batch's parent message, kept up to date while it runs."""
    head = f":page_facing_up: Batch {batch.id} from <@{batch.user_id}>, `{escape(batch.file_name)}`"
    if counts.finished:
        state = wording.batches.FINISHED_STATUS
    elif batch.cancelled_at:
        state = wording.batches.CANCELLED_STATUS
    else:
        state = wording.batches.RUNNING_STATUS
    return f"{head} · {state}\n{progress_line(counts)}"


def status_text(batch: Batch, counts: BatchCounts | None) -> str:
    """`/aigc batch status`: where one batch stands."""
    head = f"*Batch {batch.id}* · `{escape(batch.file_name)}` · {counted(batch.row_count, 'request')}, "
    head += wording.batches.STARTED_BY.format(
        images=counted(batch.image_count, "image"), user_id=batch.user_id, channel_id=batch.channel_id
    )
    if batch.status == "awaiting":
        return head + wording.batches.WAITING_FOR_SUBMIT
    if batch.status == "dropped":
        return head + wording.batches.DISCARDED_STATUS
    assert counts is not None
    state = "finished" if batch.status == "finished" else "running"
    if batch.cancelled_at:
        state += f", cancelled ({batch.cancelled_count} not submitted)"
    return f"{head}\n{state.capitalize()} · {progress_line(counts)}"


def cancelled_text(batch: Batch, cancelled: int, counts: BatchCounts, *, results_followed: bool = True) -> str:
    after = wording.batches.SUBMITTED_RESULTS_FOLLOW if results_followed else wording.batches.SUBMITTED_TASK_IDS_FOLLOW
    return wording.batches.BATCH_CANCELLED.format(
        id=batch.id, cancelled_requests=counted(cancelled, "request"), submitted=counts.submitted, after=after
    )


def ended_text(batch: Batch, counts: BatchCounts, file_name: str, *, results_followed: bool = True) -> str:
    """The comment on the results file once every request of the batch has ended."""
    cancelled = f", {counts.cancelled} cancelled" if counts.cancelled else ""
    if results_followed:
        return wording.batches.BATCH_ENDED_WITH_RESULTS.format(
            id=batch.id, done=counts.done, failed=counts.failed, cancelled=cancelled, file_name=file_name
        )
    return wording.batches.BATCH_ENDED_UNFOLLOWED.format(
        id=batch.id, submitted=counts.submitted, failed=counts.failed, cancelled=cancelled, file_name=file_name
    )


def results_csv(rows: list[RequestRow]) -> bytes:
    """`batch-<id>-results.csv`: row, TaskId, status, error code and output URLs of every request."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "TaskId", "status", "error code", "output URLs"])
    for row in rows:
        outputs = json.loads(row.get("output_json") or "[]")
        urls = [str(o.get("url") or o.get("file_id") or "") for o in outputs if isinstance(o, dict)]
        cells = [row.get(column) or "" for column in ("batch_row", "task_id", "status", "error_code")]
        writer.writerow([*cells, LIST_SEPARATOR.join(u for u in urls if u)])
    return out.getvalue().encode("utf-8")
