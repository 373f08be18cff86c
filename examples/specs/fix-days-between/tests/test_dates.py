from dates import days_between

def test_same_day():
    assert days_between("2024-03-01", "2024-03-01") == 1

def test_across_months_and_leap_year():
    assert days_between("2024-02-28", "2024-03-01") == 3

def test_reversed():
    assert days_between("2024-01-10", "2024-01-01") == 10
