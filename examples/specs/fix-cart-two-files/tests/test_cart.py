from cart import cart_total
from models import Item

def test_quantities():
    assert Item("pen", 1.5, 4).subtotal() == 6.0

def test_total_with_discount():
    items = [Item("pen", 1.5, 4), Item("book", 12.0)]
    assert cart_total(items) == 18.0
    assert cart_total(items, 10) == 16.2
