def flatten(items):
    return list(items)
