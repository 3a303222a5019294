"""Minutes are written in markdown: rendered by markdown-it-py, then sanitized by nh3."""
from __future__ import annotations

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt

# Raw HTML is never passed through; nh3 then keeps only these tags whatever the renderer emits.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
HEADING_SHIFT = 1  # the page has its own <h1>: "# 안건" in the minutes becomes an <h2>


def render(text: str) -> str:
    """Markdown to safe HTML: no raw HTML, scripts, styles or images; links get rel=nofollow; wide tables scroll."""
    tokens = _md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + HEADING_SHIFT)}"
    html = _md.renderer.render(tokens, _md.options, {})
    html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
    # A keyboard-reachable scrolling box around each table, as elsewhere on the site (the output is clean
    # by now, so its <table> tags carry no attributes).
    label = _("표: 옆으로 밀어 더 볼 수 있습니다")
    return (html.replace("<table>", f'<div class="krds-table-wrap" tabindex="0" role="region" aria-label="{label}">'
                                    '<table class="tbl col data">')
            .replace("</table>", "</table></div>"))
