"""Instructions written in Markdown are shown as safe HTML."""

from markupsafe import Markup

from webapp.web.markdown_html import render_markdown


def test_normal_markdown_is_kept():
    html = render_markdown("## Next step\n\nCall **the school** and *note* it:\n\n- one\n- two\n")
    assert isinstance(html, Markup)
    assert "<h4>Next step</h4>" in html
    assert "<strong>the school</strong>" in html
    assert "<em>note</em>" in html
    assert "<li>one</li>" in html


def test_links_keep_href_and_get_rel():
    html = render_markdown("[guide](https://example.org/guide)")
    assert 'href="https://example.org/guide"' in html
    assert 'rel="noopener noreferrer"' in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


def test_event_handlers_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)"> <p onclick="alert(2)">hi</p>')
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in html


def test_javascript_links_are_removed():
    html = render_markdown('[click](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">x</a>')
    assert "javascript:" not in html.lower()
    assert "click" in html
