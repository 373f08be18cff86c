class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._balance = 0

    @property
    def balance(self) -> int:
        return self._balance

    def deposit(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        self._balance += amount

    def withdraw(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        if amount > self._balance:
            raise InsufficientFunds(f"balance {self._balance} < {amount}")
        self._balance -= amount
