import asyncio


async def fetch(i: int, delay: float) -> int:
    await asyncio.sleep(delay)
    return i


async def fetch_all(delays: list[float]) -> list[int]:
    return list(await asyncio.gather(*(fetch(i, d) for i, d in enumerate(delays))))
