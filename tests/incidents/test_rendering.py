import pytest

from incidents.rendering import render_markdown


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
        ("![x](file:///etc/passwd)", "file:"),
        ('<svg onload="alert(1)"></svg>', "onload"),
        ("<iframe src=https://example.org></iframe>", "<iframe"),
    ],
)
def test_dangerous_markup_is_removed(source, forbidden):
    assert forbidden not in render_markdown(source)


def test_ordinary_markdown_survives():
    html = render_markdown("**Bold** and [a link](https://arxiv.org/abs/2412.12140)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>Bold</strong>" in html
    assert 'href="https://arxiv.org/abs/2412.12140"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html
