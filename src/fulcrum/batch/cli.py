"""``fulcrum batch submit FILE.jsonl | status ID | results ID``: an overnight batch without
an SDK. The file is OpenAI batch input (one ``{"custom_id", "method", "url", "body"}`` per
line); ``submit --wait`` and ``status --wait`` show a progress bar until the batch ends."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fulcrum.batch.client import BatchClient, endpoint_of
from fulcrum.errors import InputError
from fulcrum.textfiles import write_output
from fulcrum.urls import http_url

batch_app = typer.Typer(help="Overnight batches on the local rig, through the gateway.")
ENDED = ("completed", "cancelled", "failed", "expired")
DEFAULT_URL = "http://127.0.0.1:8787"

UrlOpt = Annotated[
    str | None, typer.Option("--url", help=f"gateway URL (env FULCRUM_URL; {DEFAULT_URL})")
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="client key, if the gateway wants one (env FULCRUM_CLIENT_KEY)"),
]
WaitOpt = Annotated[bool, typer.Option("--wait", help="show progress until the batch ends")]
BatchId = Annotated[str, typer.Argument(help="the batch's id, as `batch submit` printed it")]


def _client(url: str | None, key: str | None) -> BatchClient:
    given = url or os.environ.get("FULCRUM_URL") or DEFAULT_URL
    flag = "--url" if url else "FULCRUM_URL"
    # FULCRUM_CLIENT_KEY, as wake replay reads it; FULCRUM_KEY, its older name, still read
    env_key = os.environ.get("FULCRUM_CLIENT_KEY") or os.environ.get("FULCRUM_KEY")
    return BatchClient(http_url(given, flag), key or env_key)


def _line(batch: dict[str, Any]) -> str:
    c = batch["request_counts"]
    return (
        f"{batch['id']}  {batch['status']}  {c['completed']} completed, {c['failed']} failed "
        f"of {c['total']}"
    )


def _watch(client: BatchClient, batch: dict[str, Any], poll_s: float = 1.0) -> dict[str, Any]:
    total = batch["request_counts"]["total"]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(batch["id"], total=total)
        while True:
            c = batch["request_counts"]
            bar.update(task, completed=c["completed"] + c["failed"],
                       description=f"{batch['id']} {batch['status']}")  # fmt: skip
            if batch["status"] in ENDED:
                return batch
            time.sleep(poll_s)
            batch = client.batch(batch["id"])


@batch_app.command("submit")
def submit(
    file: Annotated[
        Path,
        typer.Argument(
            help="OpenAI batch input, one request per line; its first line's url "
            "(/v1/chat/completions or /v1/responses) is the batch's endpoint"
        ),
    ],
    url: UrlOpt = None,
    key: KeyOpt = None,
    wait: WaitOpt = False,
) -> None:
    """Upload FILE and queue it as a batch; prints the batch id."""
    if not file.is_file():
        what = "a directory" if file.is_dir() else "not a file" if file.exists() else "no such file"
        raise InputError(f"{file}: {what}; give an OpenAI batch input file (.jsonl)")
    client = _client(url, key)
    batch = client.submit(file, endpoint_of(file))
    typer.echo(batch["id"])
    if wait:
        typer.echo(_line(_watch(client, batch)))


@batch_app.command("status")
def status(
    batch_id: BatchId, url: UrlOpt = None, key: KeyOpt = None, wait: WaitOpt = False
) -> None:
    """The batch's status and counts."""
    client = _client(url, key)
    batch = client.batch(batch_id)
    typer.echo(_line(_watch(client, batch) if wait else batch))


@batch_app.command("results")
def results(
    batch_id: BatchId,
    url: UrlOpt = None,
    key: KeyOpt = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write here")] = None,
) -> None:
    """Every finished item as JSONL (succeeded, then errored and cancelled)."""
    client = _client(url, key)
    batch = client.batch(batch_id)
    if batch["status"] not in ENDED:
        raise InputError(f"batch {batch_id} is {batch['status']}; results come at its end")
    data = b"".join(
        client.content(batch[f]) for f in ("output_file_id", "error_file_id") if batch.get(f)
    )
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_output("--output", output, data)
        lines = data.count(b"\n")
        typer.echo(f"{output}: {lines} results")


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
