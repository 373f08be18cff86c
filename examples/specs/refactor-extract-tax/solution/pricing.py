def apply_tax(amount: float, rate: float) -> float:
    return round(amount + amount * rate, 2)


def invoice_total(items: list[float], rate: float) -> float:
    return apply_tax(sum(items), rate)


def quote_total(price: float, quantity: int, rate: float) -> float:
    return apply_tax(price * quantity, rate)
