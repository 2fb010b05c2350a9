"""Reading a catalogue CSV file into requests: delimiters, byte order mark, `|` lists, header and empty rows."""

from __future__ import annotations

import pytest

from bot.slack.batch_text import (
    BatchCancel,
    BatchFileError,
    BatchForm,
    BatchStatus,
    CsvRow,
    parse_batch_command,
    parse_batch_csv,
    results_csv,
    row_command,
)
from bot.slack.command_text import CommandError
from bot.slack.refs import FileIdRef, UrlRef


def test_comma_file_with_a_list_of_images() -> None:
    data = b"scene,image,prompt,count\nproduct,https://a.example/1.png|https://a.example/2.png,on marble,3\n"
    rows, problems = parse_batch_csv(data)
    assert problems == []
    assert rows == [
        CsvRow(
            2,
            {
                "scene": "product",
                "image": "https://a.example/1.png|https://a.example/2.png",
                "prompt": "on marble",
                "count": "3",
            },
        )
    ]
    command = row_command(rows[0])
    assert command.images == [UrlRef("https://a.example/1.png"), UrlRef("https://a.example/2.png")]
    assert command.spec.prompt == "on marble" and command.spec.options.count == 3


def test_semicolon_file_with_a_byte_order_mark_and_quoted_cells() -> None:
    data = (
        "\ufeffScene;Image;Clothes;Prompt\n"
        'tryon;3704211000509819;https://a.example/j.png | https://a.example/k.png;"open jacket; sleeves rolled"\n'
    )
    rows, problems = parse_batch_csv(data.encode("utf-8"))
    assert problems == []
    command = row_command(rows[0])
    assert command.spec.scene == "tryon"
    assert command.images == [FileIdRef("3704211000509819")]
    assert command.clothes == [UrlRef("https://a.example/j.png"), UrlRef("https://a.example/k.png")]
    assert command.spec.prompt == "open jacket; sleeves rolled"


def test_empty_rows_are_skipped_and_numbers_match_the_spreadsheet() -> None:
    data = b"scene,image\n\noutpaint,https://a.example/1.png\n,\noutpaint,https://a.example/2.png\n\n"
    rows, _ = parse_batch_csv(data)
    assert [row.number for row in rows] == [3, 5]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"product,https://a.example/1.png\n", "The first row must be the header"),
        (b"scene,picture\nproduct,https://a.example/1.png\n", "`picture` is not a column"),
        (b"scene,image,image\n", "names image twice"),
        (b"", "The file is empty"),
        (b"scene,image\n\n", "has a header but no requests"),
        (b"scene,image\nproduct,\xff\xfe\n", "not UTF-8"),
    ],
)
def test_files_that_are_no_batch(data: bytes, expected: str) -> None:
    with pytest.raises(BatchFileError, match=expected):
        parse_batch_csv(data)


def test_a_row_with_more_cells_than_the_header_is_a_problem_of_that_row() -> None:
    rows, problems = parse_batch_csv(b"scene,image\noutpaint,https://a.example/1.png,extra\n")
    assert rows == [] and [(p.number, p.reason) for p in problems] == [(2, "has 3 cells but the header names 2")]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"scene": "poster", "image": "https://a.example/1.png"}, "^`poster` in `scene` is not a scene"),
        ({"scene": "", "image": "https://a.example/1.png"}, "^`scene` is empty"),
        ({"scene": "product", "image": ""}, "needs at least one image"),
        ({"scene": "product", "image": "ftp://a.example/1.png"}, "only http:// and https://"),
        ({"scene": "product", "image": "https://a.example/1.png", "count": "11"}, "^`11` in `count` is not allowed"),
        (
            {"scene": "outpaint", "image": "https://a.example/1.png", "clothes": "https://a.example/2.png"},
            "^`clothes` is for try-on only",
        ),
        ({"scene": "tryon", "image": "https://a.example/1.png"}, "1 to 4 clothes images in `clothes`; got 0"),
        ({"scene": "product", "image": "https://a.example/1.png", "preset": "Bad!"}, "is not a preset name"),
    ],
)
def test_row_mistakes_are_the_mistakes_of_a_typed_request(cells: dict[str, str], expected: str) -> None:
    with pytest.raises(CommandError, match=expected):
        row_command(CsvRow(2, cells))


def test_batch_commands() -> None:
    assert parse_batch_command("batch") == BatchForm()
    assert parse_batch_command("batch status") == BatchStatus(None)
    assert parse_batch_command("batch status 12") == BatchStatus(12)
    assert parse_batch_command("BATCH cancel #7") == BatchCancel(7)
    assert parse_batch_command("product https://a.example/1.png") is None
    with pytest.raises(CommandError, match="not a batch ID"):
        parse_batch_command("batch cancel latest")
    with pytest.raises(CommandError, match="Give the batch ID"):
        parse_batch_command("batch cancel")


def test_results_file_has_one_line_per_request() -> None:
    rows = [
        {
            "batch_row": 2,
            "task_id": "T-1",
            "status": "done",
            "error_code": None,
            "output_json": '[{"url":"https://out.example/1.png"},{"url":"https://out.example/2.png"}]',
        },
        {"batch_row": 3, "task_id": None, "status": "refused", "error_code": "BatchCancelled", "output_json": None},
    ]
    assert results_csv(rows).decode() == (
        "row,TaskId,status,error code,output URLs\n"
        "2,T-1,done,,https://out.example/1.png|https://out.example/2.png\n"
        "3,,refused,BatchCancelled,\n"
    )
