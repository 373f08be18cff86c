def celsius_to_fahrenheit(c: float) -> float:
    return c * 5 / 9 + 32


def fahrenheit_to_celsius(f: float) -> float:
    return f - 32 * 9 / 5
