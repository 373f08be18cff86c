"""A small Chrome DevTools Protocol client over headless Chromium, for the browser tests.

``async with Browser() as browser: page = await browser.page()`` starts Debian's Chromium
(:mod:`.browser`: offline flags, a throwaway profile) with a DevTools port on loopback and
attaches to one tab. The page records what a test checks: every request's URL, console errors,
uncaught exceptions and log entries of level ``error`` (a failed load, a blocked fetch).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from fulcrum.report.browser import base_argv, find_chromium

START_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 30.0


class DevToolsError(RuntimeError):
    """Chromium would not start, or a DevTools call failed."""


class Browser:
    def __init__(self, binary: str | None = None, width: int = 1100, height: int = 900) -> None:
        found = binary or find_chromium()
        if found is None:
            raise DevToolsError("Chromium not found; run scripts/setup_chromium.sh")
        self.binary = found
        self.size = (width, height)
        self._ids = itertools.count(1)
        self._calls: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pages: dict[str, Page] = {}

    async def __aenter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="fulcrum-devtools-")
        argv = [
            *base_argv(self.binary, Path(self._profile.name)),
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--window-size={self.size[0]},{self.size[1]}",
            "about:blank",
        ]
        self._proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        url = await asyncio.wait_for(self._ws_url(), START_TIMEOUT_S)
        self._drain = asyncio.create_task(self._read_rest())
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await self._ws.close()
        await self._http.close()
        if self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        self._drain.cancel()
        self._profile.cleanup()

    async def _ws_url(self) -> str:
        assert self._proc.stderr is not None
        while True:
            line = (await self._proc.stderr.readline()).decode("utf-8", "replace")
            if not line:
                raise DevToolsError(f"Chromium exited before DevTools listened ({self.binary})")
            if line.startswith("DevTools listening on "):
                return line.removeprefix("DevTools listening on ").strip()

    async def _read_rest(self) -> None:
        assert self._proc.stderr is not None
        while await self._proc.stderr.readline():
            pass

    async def _read(self) -> None:
        async for msg in self._ws:
            data = json.loads(msg.data)
            call = self._calls.pop(data.get("id", -1), None)
            if call is not None and not call.done():
                call.set_result(data)
            elif "method" in data and data.get("sessionId") in self._pages:
                self._pages[data["sessionId"]].on_event(data["method"], data.get("params", {}))

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._calls[ident] = future
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        await self._ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, CALL_TIMEOUT_S)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def page(self) -> Page:
        target = await self.call("Target.createTarget", url="about:blank")
        attached = await self.call(
            "Target.attachToTarget", targetId=target["targetId"], flatten=True
        )
        page = Page(self, attached["sessionId"])
        self._pages[page.session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            await page.call(f"{domain}.enable")
        return page


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.requests: list[str] = []
        self.errors: list[str] = []
        self._loaded = asyncio.Event()

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.browser.call(method, self.session, **params)

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(
                "console: "
                + " ".join(
                    str(a.get("value", a.get("description"))) for a in params.get("args", [])
                )
            )
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Page.loadEventFired":
            self._loaded.set()

    async def goto(self, url: str) -> None:
        self._loaded.clear()
        await self.call("Page.navigate", url=url)
        await asyncio.wait_for(self._loaded.wait(), CALL_TIMEOUT_S)

    async def eval(self, expression: str) -> Any:
        reply = await self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise DevToolsError(f"evaluate: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout_s: float = 10.0) -> Any:
        """Poll ``expression`` until it is truthy; its value, or an error at the timeout."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await self.eval(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise DevToolsError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.1)

    async def screenshot(self, path: Path) -> Path:
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
