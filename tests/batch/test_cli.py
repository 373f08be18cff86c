"""``fulcrum batch submit | status | results`` against a running gateway and llama.cpp."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.llama import LlamaServer

from .helpers import FAKES_CONFIG, llama_config, openai_lines


def _fulcrum(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "fulcrum", "batch", *args]
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120)


@pytest.mark.llama
def test_submit_wait_status_and_results(llama_server: LlamaServer, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(openai_lines(12))
    with running_gateway(llama_config(llama_server.base_url, llama_server.model)) as gw:
        submitted = _fulcrum("submit", str(source), "--url", gw.url, "--wait")
        assert submitted.returncode == 0, submitted.stderr
        batch_id = submitted.stdout.splitlines()[0]
        assert batch_id.startswith("batch_")
        assert "completed  12 completed, 0 failed of 12" in submitted.stdout
        status = _fulcrum("status", batch_id, "--url", gw.url)
        assert status.stdout.strip() == f"{batch_id}  completed  12 completed, 0 failed of 12"
        out = tmp_path / "out.jsonl"
        results = _fulcrum("results", batch_id, "--url", gw.url, "-o", str(out))
        assert results.returncode == 0 and "12 results" in results.stdout
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(x["custom_id"] for x in lines) == sorted(f"item-{i}" for i in range(12))
    assert all(x["response"]["status_code"] == 200 for x in lines)


@pytest.mark.llama
def test_a_responses_file_is_a_batch_on_its_endpoint(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    lines = ({"custom_id": f"r{i}", "method": "POST", "url": "/v1/responses",
              "body": {"model": llama_server.model, "input": "hi", "max_output_tokens": 4}}
             for i in range(3))  # fmt: skip
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with running_gateway(llama_config(llama_server.base_url, llama_server.model)) as gw:
        submitted = _fulcrum("submit", str(source), "--url", gw.url, "--wait")
        assert submitted.returncode == 0, submitted.stderr
        assert "completed  3 completed, 0 failed of 3" in submitted.stdout
        out = tmp_path / "out.jsonl"
        batch_id = submitted.stdout.splitlines()[0]
        assert _fulcrum("results", batch_id, "--url", gw.url, "-o", str(out)).returncode == 0
    answers = [json.loads(x)["response"]["body"] for x in out.read_text().splitlines()]
    assert [a["object"] for a in answers] == ["response"] * 3


def test_mistakes_are_one_line_without_a_traceback(tmp_path: Path) -> None:
    missing = _fulcrum("submit", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    away = _fulcrum("status", "batch_x", "--url", "http://127.0.0.1:9")
    assert away.returncode != 0 and away.stderr.count("\n") == 1
    assert "cannot reach the gateway" in away.stderr and "Traceback" not in away.stderr


@contextmanager
def _static(pages: dict[str, tuple[int, str, bytes]]) -> Iterator[str]:
    """A loopback server answering each GET path with (status, content type, body)."""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, ctype, body = pages.get(self.path, (404, "text/plain", b"not here"))
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HTML = b"<html>\n<body>\n<h1>Welcome</h1>\n</body>\n</html>\n"
DONE = {"id": "b1", "status": "completed", "output_file_id": "f1",
        "request_counts": {"total": 1, "completed": 1, "failed": 0}}  # fmt: skip


def test_a_server_that_is_not_a_gateway_is_named_in_one_line() -> None:
    pages = {
        "/v1/batches/html": (200, "text/html", HTML),
        "/v1/batches/half": (200, "application/json", b'{"id": "half", "status": "done"}'),
        "/v1/batches/boom": (500, "text/html", HTML),
    }
    with _static(pages) as url:
        for batch_id, says in (
            ("html", "sent an answer that is not JSON"),
            ("half", "sent something that is not an OpenAI batch object"),
            ("boom", "the gateway answered HTTP 500: <html> <body> <h1>Welcome</h1>"),
        ):
            done = _fulcrum("status", batch_id, "--url", url)
            assert done.returncode != 0 and done.stderr.count("\n") == 1, done.stderr
            assert says in done.stderr and "Traceback" not in done.stderr


def test_the_url_is_checked_and_shown_without_its_password(tmp_path: Path) -> None:
    bad = _fulcrum("status", "b1", "--url", "localhost:9")
    assert bad.returncode == 2 and "--url: expected an http:// or https:// URL" in bad.stderr
    away = _fulcrum("status", "b1", "--url", "http://u:s3cret@127.0.0.1:9")
    assert "cannot reach the gateway at http://u:***@127.0.0.1:9" in away.stderr
    assert "s3cret" not in away.stderr
    folder = _fulcrum("submit", str(tmp_path))
    assert (
        folder.returncode == 2 and "a directory; give an OpenAI batch input file" in folder.stderr
    )


def test_results_to_a_path_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    pages = {
        "/v1/batches/b1": (200, "application/json", json.dumps(DONE).encode()),
        "/v1/files/f1/content": (200, "application/jsonl", b'{"custom_id": "a"}\n'),
    }
    with _static(pages) as url:
        into_dir = _fulcrum("results", "b1", "--url", url, "-o", str(tmp_path))
        nowhere = _fulcrum("results", "b1", "--url", url, "-o", str(tmp_path / "no" / "x.jsonl"))
        written = _fulcrum("results", "b1", "--url", url, "-o", str(tmp_path / "x.jsonl"))
    assert into_dir.returncode == 2 and f"--output: cannot write {tmp_path}: " in into_dir.stderr
    assert nowhere.returncode == 2 and "No such file or directory" in nowhere.stderr
    assert written.returncode == 0 and "1 results" in written.stdout


def test_a_refused_file_is_not_left_on_the_gateway(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "a", "method": "GET", "url": "/v1/chat/completions"}\n')
    with (
        FakeOpenAI() as local,
        FakeAnthropic() as api,
        running_gateway(FAKES_CONFIG.format(local=local.url, api=api.url)) as gw,
    ):
        refused = _fulcrum("submit", str(bad), "--url", gw.url)
        with urllib.request.urlopen(gw.url + "/v1/files") as resp:
            left = json.loads(resp.read())["data"]
    assert refused.returncode == 2 and "method must be POST" in refused.stderr
    assert left == []  # the upload was deleted when the batch was refused
    device = _fulcrum("submit", "/dev/null")
    assert device.returncode == 2 and "/dev/null: not a file" in device.stderr


def test_the_key_comes_from_fulcrum_client_key_as_for_wake_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FULCRUM_CLIENT_KEYS", "team:k-1")
    with (
        FakeOpenAI() as local,
        FakeAnthropic() as api,
        running_gateway(FAKES_CONFIG.format(local=local.url, api=api.url)) as gw,
    ):
        monkeypatch.setenv("FULCRUM_CLIENT_KEY", "k-1")
        known = _fulcrum("status", "batch_nope", "--url", gw.url)
    assert known.returncode == 2 and "No batch found" in known.stderr  # a 404, not a 401
