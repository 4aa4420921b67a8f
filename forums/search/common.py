"""What the search front and both engines share: limits, the hit, the query, snippet HTML.

``parse_query`` turns what a user typed into plain terms, each safe to quote for
either engine; ``marked_to_html`` is the only code that turns an engine's output
into HTML (escaped text, matched words in ``<mark>``). See ``docs/search.md``.
"""

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_CHARS = 200
MAX_TERMS = 20
MAX_LIMIT = 100
# Each query ranks at most this many of the newest readable matching posts, and as
# many threads (all the matches of a rarer word); pages stop at the window's end.
WINDOW = 300
TITLE_WEIGHT, BODY_WEIGHT = 1.0, 0.1
SNIPPET_TOKENS = 24
PLAIN_SNIPPET_CHARS = 200
# Control characters: they cannot occur in a parsed query, and Python escapes the
# text around them before turning them into <mark>.
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"

_QUOTES = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb]")
_HAS_WORD = re.compile(r"[^\W_]")
_MARKERS = re.compile(f"([{MARK_OPEN}{MARK_CLOSE}])")
_MARKDOWN_NOISE = re.compile(r"\*{2,}|_{2,}|~~|`+")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)?")  # the closing ")" may be cut off
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    thread_id: int
    thread_title: str
    title_html: SafeString  # the title, escaped, matched words in <mark>
    community_slug: str
    number: int
    author: str | None  # username; None once the account is gone
    author_display_name: str | None
    created_at: datetime
    snippet_html: SafeString  # safe HTML: escaped text, matched words in <mark>
    rank: float


# --- The query ---------------------------------------------------------------


def parse_query(q):
    """The terms to search for: plain text, each safe to quote for either engine."""
    if not isinstance(q, str):
        return []
    q = unicodedata.normalize("NFKC", q[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    q = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in q)  # controls, NUL
    q = _QUOTES.sub(" ", q)
    terms = []
    for chunk in q.split():
        if _HAS_WORD.search(chunk) and chunk not in terms:
            terms.append(chunk)
        if len(terms) == MAX_TERMS:
            break
    return terms


def quoted(terms):
    """``"a" "b"``: each term a phrase, all of them required (FTS5 and websearch alike)."""
    return " ".join(f'"{term}"' for term in terms)


def in_list(values):
    """``%s, %s, …``: one placeholder per value, for ``IN (…)``."""
    return ", ".join(["%s"] * len(values))


# --- Snippets ----------------------------------------------------------------


def marked_to_html(text):
    """Escape ``text`` and turn the engine's markers into <mark>; never trust the text."""
    out, open_ = [], False
    for part in _MARKERS.split(text or ""):
        if part == MARK_OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == MARK_CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        elif part:
            out.append(html.escape(part, quote=True))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out).replace("<mark></mark>", ""))  # noqa: S308 (escaped above)


def tidy(text):
    """Markdown source made readable in one line: links to their text, no emphasis marks."""
    text = _LINK.sub(r"\1", text or "")
    text = _MARKDOWN_NOISE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def plain_snippet(body):
    """The start of ``body``, tidied and escaped: for a thread found by its title."""
    text = tidy(body.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))
    if len(text) > PLAIN_SNIPPET_CHARS:
        text = text[:PLAIN_SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return marked_to_html(text)
