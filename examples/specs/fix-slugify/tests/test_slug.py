from slug import slugify

def test_basic():
    assert slugify("Hello World") == "hello-world"

def test_punctuation_runs():
    assert slugify("  Rust, Go & Python!! ") == "rust-go-python"

def test_digits_kept():
    assert slugify("Top 10 tips") == "top-10-tips"
