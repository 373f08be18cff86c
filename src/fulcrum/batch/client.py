"""A small blocking client of the gateway's OpenAI batch endpoints (for ``fulcrum batch``):
the standard library only, so the CLI needs no SDK."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from fulcrum.errors import FulcrumError, InputError, NotFound, Unavailable
from fulcrum.urls import redact_url

CHAT = "/v1/chat/completions"  # a batch's endpoint when its file names none

TIMEOUT_S = 60
BATCH_COUNTS = ("total", "completed", "failed")


class BatchClient:
    def __init__(self, url: str, key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.key = key

    def _send(self, method: str, path: str, data: bytes | None, ctype: str | None) -> bytes:
        headers = {"content-type": ctype} if ctype else {}
        if self.key:
            headers["authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
                body: bytes = resp.read()
                return body
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, exc.read()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unavailable(f"cannot reach the gateway at {self.shown}: {reason}") from None

    @property
    def shown(self) -> str:
        """The gateway's URL as errors show it (no password, no query values)."""
        return redact_url(self.url)

    def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        answer = self._send(method, path, data, "application/json" if data else None)
        try:
            return json.loads(answer)
        except ValueError:
            raise self._not_a_gateway(path, "an answer that is not JSON") from None

    def _not_a_gateway(self, path: str, what: str) -> Unavailable:
        return Unavailable(
            f"{self.shown}{path} sent {what}: is --url a fulcrum gateway (fulcrum serve)?"
        )

    def upload(self, path: Path) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            f'--{boundary}\r\ncontent-disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\ncontent-type: application/jsonl\r\n\r\n'
        ).encode()
        data = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        ctype = f"multipart/form-data; boundary={boundary}"
        answer: dict[str, Any] = json.loads(self._send("POST", "/v1/files", data, ctype))
        return answer

    def create(self, file_id: str, endpoint: str = CHAT) -> dict[str, Any]:
        body = {"input_file_id": file_id, "endpoint": endpoint, "completion_window": "24h"}
        return self._batch("POST", "/v1/batches", body)

    def submit(self, path: Path, endpoint: str = CHAT) -> dict[str, Any]:
        """Upload ``path`` and queue it; an upload the gateway then refuses is deleted again
        (it would be left on the gateway, of no use)."""
        file_id = self.upload(path)["id"]
        try:
            return self.create(file_id, endpoint)
        except FulcrumError:
            with contextlib.suppress(FulcrumError):
                self._send("DELETE", f"/v1/files/{file_id}", None, None)
            raise

    def batch(self, batch_id: str) -> dict[str, Any]:
        return self._batch("GET", f"/v1/batches/{batch_id}")

    def _batch(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A batch object, checked for what the CLI reads of it."""
        answer = self._json(method, path, body)
        counts = answer.get("request_counts") if isinstance(answer, dict) else None
        if not (
            isinstance(counts, dict)
            and all(isinstance(counts.get(k), int) for k in BATCH_COUNTS)
            and all(isinstance(answer.get(k), str) for k in ("id", "status"))
        ):
            raise self._not_a_gateway(path, "something that is not an OpenAI batch object")
        return dict(answer)

    def content(self, file_id: str) -> bytes:
        return self._send("GET", f"/v1/files/{file_id}/content", None, None)


def endpoint_of(path: Path) -> str:
    """The endpoint of an OpenAI batch input file: its first request's ``url`` (the gateway
    checks every line against it), else Chat Completions."""
    with path.open("rb") as lines:
        for raw in lines:
            if raw.strip():
                try:
                    first = json.loads(raw.decode("utf-8-sig"))
                except ValueError:
                    return CHAT  # the gateway names the line
                url = first.get("url") if isinstance(first, dict) else None
                return url if isinstance(url, str) else CHAT
    return CHAT


def _error(status: int, body: bytes) -> FulcrumError:
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):  # not the gateway's error body: one short line
        message = " ".join(body.decode("utf-8", errors="replace").split())[:200]
    text = f"the gateway answered HTTP {status}: {message}"
    if status == 404:
        return NotFound(text)
    return InputError(text) if 400 <= status < 500 else Unavailable(text)
