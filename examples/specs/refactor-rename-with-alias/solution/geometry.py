import warnings


def rectangle_area(w: float, h: float) -> float:
    return w * h


def calc(w: float, h: float) -> float:
    warnings.warn("calc() is deprecated; use rectangle_area()", DeprecationWarning, stacklevel=2)
    return rectangle_area(w, h)
