import csv
import io


def column_means(csv_text: str) -> dict[str, float]:
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    out: dict[str, float] = {}
    if not rows:
        return out
    for column in rows[0]:
        cells = [r[column] for r in rows if r[column] not in ("", None)]
        try:
            values = [float(c) for c in cells]
        except ValueError:
            continue
        if values:
            out[column] = round(sum(values) / len(values), 3)
    return out
