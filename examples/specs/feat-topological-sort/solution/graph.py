import heapq


def toposort(deps: dict[str, list[str]]) -> list[str]:
    nodes = set(deps) | {d for ds in deps.values() for d in ds}
    waiting = {n: set(deps.get(n, [])) for n in nodes}
    users: dict[str, list[str]] = {n: [] for n in nodes}
    for n, ds in waiting.items():
        for d in ds:
            users[d].append(n)
    ready = [n for n, ds in waiting.items() if not ds]
    heapq.heapify(ready)
    order = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for user in users[n]:
            waiting[user].discard(n)
            if not waiting[user]:
                heapq.heappush(ready, user)
    if len(order) != len(nodes):
        raise ValueError("cycle")
    return order
