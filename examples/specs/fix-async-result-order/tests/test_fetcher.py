import asyncio
import time

from fetcher import fetch_all


def test_order_and_concurrency():
    start = time.monotonic()
    result = asyncio.run(fetch_all([0.3, 0.1, 0.2]))
    assert result == [0, 1, 2]
    assert time.monotonic() - start < 0.55
