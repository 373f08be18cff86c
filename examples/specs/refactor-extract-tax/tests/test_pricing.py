import inspect
import pricing

def test_behaviour():
    assert pricing.invoice_total([10.0, 5.5], 0.2) == 18.6
    assert pricing.quote_total(9.99, 3, 0.1) == 32.97

def test_extracted():
    assert pricing.apply_tax(100, 0.25) == 125.0
    for fn in (pricing.invoice_total, pricing.quote_total):
        src = inspect.getsource(fn)
        assert "apply_tax(" in src and "* rate" not in src
