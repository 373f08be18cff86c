def retry(times, exceptions):
    def decorate(fn):
        return fn
    return decorate
