"""How the fake Slack reads a request body: JSON, form-encoded or multipart, and JSON sent inside a form field."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form fields of a JSON, urlencoded or multipart body; file parts come back as bytes."""
    if not raw:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        data = json.loads(raw.decode("utf-8"))
        return dict(data) if isinstance(data, dict) else {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            value = payload if isinstance(payload, bytes) else b""
            fields[name] = value if part.get_filename() is not None else value.decode("utf-8", errors="replace")
        return fields
    return {"_raw": raw}


def maybe_json(value: Any) -> Any:
    """A form-encoded argument that holds JSON (blocks, view, files), decoded; anything else as it came."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
