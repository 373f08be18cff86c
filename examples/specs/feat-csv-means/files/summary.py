def column_means(csv_text: str) -> dict[str, float]:
    return {}
