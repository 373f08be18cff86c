import asyncio


async def fetch(i: int, delay: float) -> int:
    await asyncio.sleep(delay)
    return i


async def fetch_all(delays: list[float]) -> list[int]:
    tasks = [fetch(i, d) for i, d in enumerate(delays)]
    return [await t for t in asyncio.as_completed(tasks)]
