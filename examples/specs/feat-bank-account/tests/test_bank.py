import pytest
import bank

def test_flow():
    a = bank.Account("ann")
    a.deposit(100)
    a.withdraw(30)
    assert a.balance == 70

def test_overdraft():
    a = bank.Account("bob")
    a.deposit(10)
    with pytest.raises(bank.InsufficientFunds):
        a.withdraw(11)
    assert a.balance == 10

def test_bad_amounts_and_read_only():
    a = bank.Account("cid")
    with pytest.raises(ValueError):
        a.deposit(0)
    with pytest.raises(ValueError):
        a.withdraw(-5)
    with pytest.raises(AttributeError):
        a.balance = 5
