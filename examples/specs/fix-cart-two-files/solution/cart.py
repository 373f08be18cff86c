from models import Item


def cart_total(items: list[Item], discount_percent: float = 0.0) -> float:
    total = sum(item.subtotal() for item in items)
    return round(total * (1 - discount_percent / 100), 2)
