def invoice_total(items: list[float], rate: float) -> float:
    subtotal = sum(items)
    return round(subtotal + subtotal * rate, 2)


def quote_total(price: float, quantity: int, rate: float) -> float:
    subtotal = price * quantity
    return round(subtotal + subtotal * rate, 2)
