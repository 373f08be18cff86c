import pytest
from graph import toposort

def test_order():
    deps = {"app": ["lib", "log"], "lib": ["log"], "test": ["app"]}
    assert toposort(deps) == ["log", "lib", "app", "test"]

def test_alphabetical_ties():
    assert toposort({"b": [], "a": [], "c": ["a"]}) == ["a", "b", "c"]

def test_cycle():
    with pytest.raises(ValueError):
        toposort({"a": ["b"], "b": ["c"], "c": ["a"]})
