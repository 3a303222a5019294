"""Posts are markdown, rendered by markdown-it-py with raw HTML off, then sanitized by nh3."""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

# Headings and images stay out of posts: headings would break the page outline, images track readers.
_md = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["heading", "lheading", "image", "html_block", "html_inline"])

TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render(text: str) -> str:
    """Markdown → safe HTML: no scripts, styles, handlers or non-web links survive."""
    html = _md.render(text or "")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow noopener noreferrer ugc")


def plain(text: str, limit: int = 160) -> str:
    """A one-line excerpt of markdown source, for quotes and notifications (markers dropped, words kept)."""
    lines = [re.sub(r"^\s*(?:[>#]+|[-*+]|\d+[.)])\s+", "", line) for line in (text or "").splitlines()]
    flat = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(lines))  # a link reads as its text
    flat = re.sub(r"\s+", " ", re.sub(r"[*_`~]{1,3}", "", flat)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
