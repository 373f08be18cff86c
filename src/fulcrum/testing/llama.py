"""Run a real llama.cpp server (``llama-server``) with the tiny random-weight model.

    with LlamaServer() as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="none")

The binary is ``$FULCRUM_LLAMA_SERVER`` or the one ``scripts/build_llama_server.sh`` installs into
the cache; the model is written into a temporary directory that is removed on exit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from fulcrum.testing.components import llama_server_path, require_file
from fulcrum.testing.process import ServerProcess, free_port
from fulcrum.testing.tiny_gguf import TinyModelSpec, write_tiny_gguf

MODEL_ALIAS = "tiny-llama"


def llama_server_binary() -> Path:
    """The llama-server binary; raises ``ComponentMissing`` (with the setup hint) if absent."""
    return require_file(llama_server_path(), "llama-server")


def llama_server_version(binary: Path | None = None) -> str:
    """What ``llama-server --version`` prints (e.g. ``version: 1 (abc123)``)."""
    exe = binary or llama_server_binary()
    done = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return (done.stdout + done.stderr).strip()


class LlamaServer:
    """A llama-server on 127.0.0.1 serving the tiny model; a context manager.

    ``ctx_size`` is the total context (split over ``parallel`` slots); ``jinja`` makes the server
    apply the model's chat template with its Jinja engine (needed for tools).
    """

    def __init__(
        self,
        *,
        ctx_size: int = 2048,
        parallel: int = 2,
        threads: int = 1,
        port: int | None = None,
        jinja: bool = True,
        spec: TinyModelSpec | None = None,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 60.0,
    ) -> None:
        self.ctx_size = ctx_size
        self.parallel = parallel
        self.threads = threads
        self.port = port or free_port()
        self.jinja = jinja
        self.spec = spec or TinyModelSpec()
        self.extra_args = extra_args
        self.start_timeout = start_timeout
        self._tmp: Path | None = None
        self._proc: ServerProcess | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — the root llama.cpp serves ``/v1/...`` and ``/health`` on."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The ``base_url`` for OpenAI SDK clients (``…/v1``)."""
        return self.base_url + "/v1"

    @property
    def model(self) -> str:
        """The model name the server answers to."""
        return MODEL_ALIAS

    @property
    def log_path(self) -> Path | None:
        return self._proc.log if self._proc is not None else None

    def argv(self, binary: Path, model: Path) -> list[str]:
        args = [
            str(binary),
            "--model", str(model),
            "--alias", MODEL_ALIAS,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--ctx-size", str(self.ctx_size),
            "--parallel", str(self.parallel),
            "--threads", str(self.threads),
            "--threads-batch", str(self.threads),
            "--no-webui",
        ]  # fmt: skip
        if self.jinja:
            args.append("--jinja")
        return [*args, *self.extra_args]

    def start(self) -> Self:
        binary = llama_server_binary()
        self._tmp = Path(tempfile.mkdtemp(prefix="fulcrum-llama-"))
        try:
            model = write_tiny_gguf(self._tmp / "tiny.gguf", self.spec)
            self._proc = ServerProcess(
                self.argv(binary, model),
                port=self.port,
                health="/health",
                log=self._tmp / "llama-server.log",
                start_timeout=self.start_timeout,
            ).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop()
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    def log_tail(self) -> str:
        return self._proc.log_tail() if self._proc is not None else "(not running)"

    def props(self) -> dict[str, Any]:
        """The server's ``/props`` (model, chat template, slots) as a dict."""
        with urllib.request.urlopen(self.base_url + "/props", timeout=5) as resp:
            data: dict[str, Any] = json.load(resp)
        return data

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
