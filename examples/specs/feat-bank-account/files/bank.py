class Account:
    def __init__(self, owner: str) -> None:
        self.owner = owner
