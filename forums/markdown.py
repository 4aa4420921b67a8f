"""Members' posts: Markdown source in, HTML that is safe to show to everybody out.

Threat model. A post is rendered once, when it is written, and the HTML is
stored and later served verbatim (``|safe``) to every reader of the thread,
moderators included. Whatever the author can smuggle into that HTML runs in
every reader's session: the main threat is stored XSS (script, event handler
attributes, ``javascript:``/``data:``/``vbscript:`` links, however they are
spelled or encoded). Lesser ones: tab-nabbing and link spam (every link gets
``rel="nofollow ugc noopener"`` and never a ``target``), page defacement and
tracking (no ``style``, no ids, no image from another site), spoofed link
text (bidirectional controls), and denial of service through input that makes
the parser work hard (nesting limit, see below).

Two independent layers, on purpose:

1. markdown-it-py with ``html=False``: raw HTML in the source is never passed
   through, ``<script>`` comes out as the text ``&lt;script&gt;``; link
   destinations are checked against an allow-list of schemes (``_is_safe_url``)
   at parse time, so a refused link stays visible as plain text instead of
   becoming a dead anchor.
2. nh3 (ammonia, with a browser-grade HTML5 parser) re-parses the result and
   keeps only an explicit allow-list of tags and attributes, checks the URL
   schemes again and sets ``rel`` on every link. markdown-it's renderer and our
   own rules below are string-building code; one bug there, today or in a
   future upgrade, must not be a stored XSS on every reader's page. The second
   layer also fixes a contract for templates and CSS: stored post HTML only
   ever contains the tags and attributes listed in ``ALLOWED_TAGS`` and
   ``ALLOWED_ATTRIBUTES``.

Because the HTML is stored, changing any of these rules only affects posts
written afterwards: callers keep the Markdown source and re-render it when the
rules change.

Decisions:

- Headings are shifted down two levels (``#`` -> ``<h3>``, ``####`` and deeper
  -> ``<h6>``): the page owns ``<h1>`` (thread title) and ``<h2>``, and a post
  must not break the document outline that screen readers navigate by.
- Only our own images: ``![alt](url)`` renders ``<img>`` only when ``url``
  is the URL of an uploaded post image (``POST_IMAGE_PATH_RE``, relative or on
  ``SITE_URL``) that exists; the stored ``src`` is always the relative path,
  with the image's ``width`` and ``height`` (no layout shift while it loads)
  and ``loading="lazy"``. Any other image is ``!`` followed by an ordinary
  link (or only its text, inside a link): a hot-linked image would let any
  author track readers (IP address, read time), and break layouts. The
  sanitizer keeps ``<img>`` only with such a ``src``. Whether the reader may
  see the image is decided when it is served (``forums.image_views``), not here.
  This is the one place where rendering reads the database: one query per
  post that names our images, none otherwise.
- Autolinks: ``linkify-it-py`` is not a dependency, so bare ``http://`` and
  ``https://`` URLs are linked by a small rule of our own (``_TRIGGER_RE``),
  in addition to CommonMark's ``<https://...>`` autolinks. ``www.example.com``
  without a scheme and bare e-mail addresses are not linked.
- Nesting is limited to ``MAX_NESTING`` (20, markdown-it's CommonMark
  default, set explicitly) levels of blocks and of inline markup; anything
  deeper is plain text, so ``>>>>`` or ``- - - -`` ten thousand deep cost
  nothing. markdown-it-py's parser is linear, but with a large constant
  (several microseconds per markup character): two inline rules cut the
  worst shapes short. ``_literal_bracket_run`` makes a long run of ``[`` plain
  text (the link rule would scan ahead ~20 times per ``[``), and
  ``_delimiter_budget`` stops treating ``*``, ``_`` and ``~`` as markup after
  ``MAX_DELIMITERS`` of them in one paragraph. Other dense shapes (thousands
  of ``![`` or table rows) stay linear, at a few hundred milliseconds for
  30,000 characters; the caller should cap the length of a post.
- ``@name`` mentions are found in the token stream (so code spans, code
  blocks and link text are naturally excluded), not by a regex over HTML.
  Whether the member exists is not checked here: a link to an unknown name
  leads to a 404 page, which is harmless, and the caller decides whom to
  notify from ``extract_mentions()``.
"""

import html
import re
from urllib.parse import quote, unquote, urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

MAX_NESTING = 20
MAX_MENTIONS = 50
# Emphasis and strikethrough markers per paragraph (or table cell, heading...) beyond which
# further ``*``, ``_`` and ``~`` are plain text. Prose never comes near; see _delimiter_budget.
MAX_DELIMITERS = 1000

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
    }
)
# ``rel`` is not listed: nh3 sets it on every link itself (and refuses to be given both).
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"class"},
    "td": {"class"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# An uploaded post image's path (forums/urls.py routes it to forums.image_views.serve_image).
POST_IMAGE_PATH_RE = re.compile(r"/post-images/(?P<key>[0-9a-f]{32})\.webp")
LINK_REL = "nofollow ugc noopener"
# Tags whose content goes too, not just the tag. None of them can come out of markdown-it
# with html=False; if one ever does, its content is code or markup, not prose.
_CLEAN_CONTENT_TAGS = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "noscript",
        "noembed",
        "noframes",
        "xmp",
        "textarea",
        "title",
    }
)
# The only class values a post may carry, per tag.
_CLASS_RE = {
    "a": re.compile(r"mention"),
    "code": re.compile(r"language-[a-z0-9+#-]{1,30}"),
    "th": re.compile(r"align-(?:left|center|right)"),
    "td": re.compile(r"align-(?:left|center|right)"),
}
_FENCE_LANGUAGE_RE = re.compile(r"[a-z0-9+#-]{1,30}")
_TABLE_ALIGN_RE = re.compile(r"text-align:(left|center|right)")
# What browsers ignore inside a URL (tab, newlines, leading controls and spaces), and the
# invisible characters that only serve to disguise one.
_URL_IGNORED_RE = re.compile(
    r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_URL_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.-]*):", re.ASCII)
# Bidirectional and other format characters: in the visible text of an autolink they could
# make it read as a different address from the one it goes to.
_INVISIBLE_RE = re.compile(r"[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# A bare URL or a mention, in the text of a post. A URL must not continue a word or a path;
# it stops at whitespace, ``<``, ``>``, controls and invisible characters. A mention must not
# follow a word character (``a@b.com``) nor be part of a path or address (``x.org/@me``); the
# name is checked further by _mention_name(). Names are Unicode (``\w``), like usernames.
_TRIGGER_RE = re.compile(
    r"(?P<url>(?<![\w/.+-])(?i:https?)://"
    r"[^\s<>\x00-\x1f\x7f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+)"
    r"|(?<![\w@/.+-])@(?P<name>[^\W_][\w.-]*)"
)
_URL_HOST_RE = re.compile(r"https?://[^\W_][\w.-]*(?::\d{1,5})?(?:[/?#]|$)", re.IGNORECASE)
_URL_TRAILING = "?!.,:;*_~'\""


def _is_safe_url(url):
    """True for a relative URL or one whose scheme is in ALLOWED_URL_SCHEMES.

    Stricter than a browser: character references (the HTML5 way, ``&#0;`` included) and
    percent-escapes are decoded, a few times over, and every space, control and invisible
    character is removed before looking for a scheme, so ``java&#x09;script:`` and
    ``%6Aavascript:`` are refused, not just made harmless.
    """
    text = url
    for _ in range(3):
        decoded = unquote(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    text = _URL_IGNORED_RE.sub("", text).lower()
    match = _URL_SCHEME_RE.match(text)
    if match:
        return match[1] in ALLOWED_URL_SCHEMES
    # No scheme: a relative URL (or "//host", protocol-relative: an ordinary external link).
    # A colon before any "/", "?" or "#" that is not a valid scheme is refused outright.
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    return ":" not in head


def _attribute_filter(tag, attribute, value):
    """nh3 callback: the allowed attributes, with only their allowed values."""
    if attribute == "class":
        pattern = _CLASS_RE.get(tag)
        return value if pattern is not None and pattern.fullmatch(value) else None
    if attribute == "href":
        return value if _is_safe_url(value) else None
    if attribute == "rel":
        # nh3 runs the rel it adds to every link through this filter too.
        return value if value == LINK_REL else None
    if attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 9 else None
    if tag == "img":
        if attribute == "src":
            return value if POST_IMAGE_PATH_RE.fullmatch(value) else None
        if attribute in ("width", "height"):
            return value if value.isascii() and value.isdigit() and len(value) <= 5 else None
        if attribute == "loading":
            return value if value == "lazy" else None
        if attribute in ("alt", "title"):
            return value
    return None


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_CLEAN_CONTENT_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_URL_SCHEMES),
)


def _literal_bracket_run(state: StateInline, silent: bool) -> bool:
    """Inline rule: in a run of ``[``, all but the last MAX_NESTING are plain text.

    They could never open a link anyway (link text nests at most MAX_NESTING deep), and the
    link rule would otherwise scan ahead ~MAX_NESTING times per ``[``. Only while emitting
    tokens: in validation mode (``silent``) a jump of more than one character would read,
    to the link label parser, as a nested link.
    """
    src, pos = state.src, state.pos
    if silent or src[pos] != "[":
        return False
    end = pos
    while end < state.posMax and src[end] == "[":
        end += 1
    literal = end - pos - MAX_NESTING
    if literal <= 0:
        return False
    state.pending += src[pos : pos + literal]
    state.pos += literal
    return True


def _delimiter_budget(state: StateInline, silent: bool) -> bool:
    """Inline rule: past MAX_DELIMITERS emphasis markers, the rest of a run is plain text.

    Each ``*``, ``_`` or ``~`` costs markdown-it-py a token and a delimiter (several
    microseconds); 30,000 characters of ``*_*_`` would take most of 200 ms. Intra-word
    underscores count too, but a paragraph with a thousand of them is a pasted log, not
    something that needs emphasis.
    """
    if silent or len(state.delimiters) < MAX_DELIMITERS:
        return False
    src, pos = state.src, state.pos
    end = pos
    while end < state.posMax and src[end] in "*_~":
        end += 1
    if end == pos:
        return False
    state.pending += src[pos:end]
    state.pos = end
    return True


def _mention_name(name):
    """The username in a ``@name`` match, or None. A trailing dot ends the sentence."""
    name = name.rstrip(".")
    return name if 3 <= len(name) <= 30 else None


def _trim_url(url):
    """Trailing punctuation ends the sentence, not the URL; so does an unmatched ``)``."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end:
        char = url[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char == ")" and closed > opened:
            closed -= 1
            end -= 1
        else:
            break
    return url[:end]


def _link_tokens(href, text, level, markup, meta=None, css_class=None):
    link_open = Token("link_open", "a", 1, level=level, markup=markup, info="auto")
    link_open.attrSet("href", href)
    if css_class:
        link_open.attrSet("class", css_class)
    link_open.meta = meta or {}
    content = Token("text", "", 0, level=level + 1, content=text)
    link_close = Token("link_close", "a", -1, level=level, markup=markup, info="auto")
    return [link_open, content, link_close]


def _link_text_run(md, run):
    """Replace a run of text tokens by text, mention links and URL links, or return None.

    ``text_special`` tokens (backslash escapes, entities) are literal: ``\\@name`` and
    ``&#64;name`` are not mentions, ``http\\://`` is not a link.
    """
    text = "".join(token.content for token in run)
    if "@" not in text and "://" not in text:
        return None
    literal = set()
    offset = 0
    for token in run:
        if token.type == "text_special":
            literal.update(range(offset, offset + len(token.content)))
        offset += len(token.content)

    level = run[0].level
    tokens = []
    last = 0
    for match in _TRIGGER_RE.finditer(text):
        start = match.start()
        if match["url"]:
            url = _trim_url(match["url"])
            href = md.normalizeLink(url)
            scheme_end = start + url.index("://") + 3
            if (
                not _URL_HOST_RE.match(url)
                or literal.intersection(range(start, scheme_end))
                or not md.validateLink(href)
            ):
                continue
            new = _link_tokens(href, url, level, "linkify")
            end = start + len(url)
        else:
            name = _mention_name(match["name"])
            if name is None or start in literal:
                continue
            # The name is [\w.-]: quote() only has UTF-8 to encode, as normalizeLink would.
            href = f"/u/{quote(name)}/"
            new = _link_tokens(href, f"@{name}", level, "mention", {"mention": name}, "mention")
            end = start + 1 + len(name)
        if start > last:
            tokens.append(Token("text", "", 0, level=level, content=text[last:start]))
        tokens.extend(new)
        last = end
    if not tokens:
        return None
    if last < len(text):
        tokens.append(Token("text", "", 0, level=level, content=text[last:]))
    return tokens


def _link_mentions_and_urls(md, children):
    """Core-rule helper: mentions and bare URLs in text, outside links and code."""
    result = []
    run = []
    link_depth = 0

    def flush():
        if run:
            replaced = _link_text_run(md, run)
            result.extend(run if replaced is None else replaced)
            run.clear()

    for token in children:
        if token.type in ("text", "text_special") and link_depth == 0:
            run.append(token)
            continue
        flush()
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        result.append(token)
    flush()
    return result


def _post_process(state: StateCore) -> None:
    """Core rule, after inline parsing: make the token stream fit the allow-list.

    Headings shift down two levels, fence info is reduced to a safe language name, table
    alignment becomes a class instead of a style, autolinks whose text hides invisible
    characters show their real destination, and mentions and bare URLs become links.
    """
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
        elif token.type == "fence":
            words = unescapeAll(token.info).split(maxsplit=1)
            language = words[0].lower() if words else ""
            token.info = language if _FENCE_LANGUAGE_RE.fullmatch(language) else ""
        elif token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            match = _TABLE_ALIGN_RE.fullmatch(str(style or ""))
            if match:
                token.attrSet("class", f"align-{match[1]}")
        elif token.type == "inline" and token.children:
            children = token.children
            for index, child in enumerate(children[:-2]):
                if (
                    child.type == "link_open"
                    and child.markup == "autolink"
                    and _INVISIBLE_RE.search(children[index + 1].content)
                ):
                    children[index + 1].content = str(child.attrGet("href"))
            token.children = _link_mentions_and_urls(state.md, children)


def _build_parser():
    md = MarkdownIt(
        "commonmark",
        # linkify needs linkify-it-py, which we do not depend on: see _TRIGGER_RE.
        {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_NESTING},
    ).enable(["table", "strikethrough"])
    md.validateLink = _is_safe_url
    md.inline.ruler.before("link", "literal_bracket_run", _literal_bracket_run)
    md.inline.ruler.before("strikethrough", "delimiter_budget", _delimiter_budget)
    # Before text_join, like markdown-it's own linkify rule, so escapes are still visible.
    md.core.ruler.after("inline", "post_process", _post_process)
    return md


_md = _build_parser()


def _own_image_key(url):
    """The key of the post image at ``url`` (a relative URL, or one on SITE_URL), or None."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    if parts.query or parts.fragment:
        return None
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        origin = (site.scheme.lower(), site.netloc.lower())
        if (parts.scheme.lower(), parts.netloc.lower()) != origin:
            return None
    match = POST_IMAGE_PATH_RE.fullmatch(parts.path)
    return match["key"] if match else None


def _image_keys(children):
    """The keys of our own images among ``children``, image descriptions included."""
    keys = set()
    for token in children:
        if token.type == "image":
            key = _own_image_key(token.attrGet("src"))
            if key:
                keys.add(key)
            keys |= _image_keys(token.children or ())
    return keys


def _image_sizes(keys):
    """{key: (width, height)} of the post images that exist among ``keys``."""
    from forums.models import PostImage  # the renderer is imported before models are ready

    rows = PostImage.objects.filter(key__in=keys).values_list("key", "width", "height")
    return {key: (width, height) for key, width, height in rows}


def _resolve_images(children, sizes, in_link=False):
    """Keep our own images as ``<img>``; turn every other image into a link, or text in a link.

    A link cannot hold a link, so an image inside one (or whose description
    holds one) becomes ``!`` and its description only.
    """
    result = []
    link_depth = 1 if in_link else 0
    for token in children:
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        if token.type != "image":
            result.append(token)
            continue
        key = _own_image_key(token.attrGet("src"))
        if key in sizes:
            width, height = sizes[key]
            token.attrSet("src", f"/post-images/{key}.webp")
            token.attrSet("width", str(width))
            token.attrSet("height", str(height))
            token.attrSet("loading", "lazy")
            result.append(token)
            continue
        description = token.children or []
        as_link = link_depth == 0 and not any(t.type == "link_open" for t in description)
        result.append(Token("text", "", 0, level=token.level, content="!"))
        description = _resolve_images(description, sizes, in_link=link_depth > 0 or as_link)
        if as_link:
            link_open = Token("link_open", "a", 1, level=token.level, markup="image")
            link_open.attrSet("href", str(token.attrGet("src")))
            result.append(link_open)
            result.extend(description)
            result.append(Token("link_close", "a", -1, level=token.level, markup="image"))
        else:
            result.extend(description)
    return result


def render(source: str) -> str:
    """Markdown source -> sanitized HTML, rendered once on write and stored."""
    if not source or not source.strip():
        return ""
    env = {}
    tokens = _md.parse(source, env)
    inlines = [token for token in tokens if token.type == "inline" and token.children]
    keys = set().union(*(_image_keys(token.children) for token in inlines))
    sizes = _image_sizes(keys) if keys else {}
    for token in inlines:
        token.children = _resolve_images(token.children, sizes)
    return _cleaner.clean(_md.renderer.render(tokens, _md.options, env)).strip()


def extract_mentions(source: str) -> list[str]:
    """Usernames mentioned as @name in the text (not inside code spans/blocks, not in
    links or emails), in order of first appearance, deduplicated, at most 50.

    Exactly the mentions render() links, since both read the same token stream.
    """
    names = []
    seen = set()
    for token in _md.parse(source or ""):
        for child in token.children or ():
            name = child.meta.get("mention") if child.type == "link_open" else None
            # Case-insensitive, as usernames are (the caller looks people up by skeleton).
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
                if len(names) == MAX_MENTIONS:
                    return names
    return names
