"""Watched words: normalising text, checking patterns, and one safe matcher per community.

Text and patterns are normalised alike (``normalise``): compatibility-decomposed
(NFKD), combining marks and invisible characters (zero-width, format, controls)
dropped, case-folded, each confusable character folded to its ASCII look-alike as
usernames are (``community.validators.skeleton``: ``а`` -> ``a``, ``1`` -> ``l``,
``rn`` -> ``m``), and every run of non-letters turned into one space, with one space
at each end. A word is then `` word ``, a phrase `` buy now ``, and a glob is a
piece of a word: ``spam*`` is `` spam``, ``*spam`` is ``spam ``, ``*spam*`` is
``spam``, and ``sp*am`` is `` sp`` followed by ``am `` in the same word.

No pattern is ever a regular expression: all of them go into one Aho-Corasick
automaton (pyahocorasick, in C), which reads the text once, whatever the patterns;
each position reports at most one match per distinct pattern length (bounded by
``MAX_PATTERN``), so the whole check is linear in the text.
"""

import re
import unicodedata
import uuid
from dataclasses import dataclass
from functools import cache

import ahocorasick
from django.core.cache import cache as django_cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community.validators import ASCII_LOOKALIKES, ASCII_SEQUENCES, _to_ascii, is_invisible

MAX_PATTERN = 60
MAX_PHRASE_WORDS = 6
SEPARATORS = re.compile(r"[\W_]+")
PATTERN_CHARS = re.compile(r"^[\w' *-]+$")
BLOCK, HOLD, FLAG, REPLACE = "block", "hold", "flag", "replace"
SEVERITY = {BLOCK: 0, HOLD: 1, FLAG: 2, REPLACE: 3}


class _Fold(dict):
    """A ``str.translate`` table filled on first sight of each character: marks and
    invisible characters dropped, confusables folded to ASCII (cached per character, so
    the translation runs at C speed once the text's alphabet has been seen)."""

    def __missing__(self, code):
        char = chr(code)
        if unicodedata.combining(char) or unicodedata.category(char) == "Mn" or is_invisible(char):
            value = None
        else:
            value = _to_ascii().get(code, char).casefold().translate(ASCII_LOOKALIKES)
        self[code] = value
        return value


_fold = _Fold()


NON_ASCII = re.compile(r"[^\x00-\x7f]+")
ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
LOOKALIKE_PAIRS = tuple(
    (chr(code), target if isinstance(target, str) else chr(target))
    for code, target in ASCII_LOOKALIKES.items()
)


_ASCII_SEPARATORS = bytes(code if chr(code).isalnum() else ord(" ") for code in range(256))


def _fold_run(match):
    return match.group().translate(_fold)


def _fold_chars(text):
    """Every step but the separators. Each one is a C-speed pass over the text: only
    runs of non-ASCII characters go through the (cached) per-character table."""
    text = unicodedata.normalize("NFKD", text).casefold()
    if not text.isascii():
        text = NON_ASCII.sub(_fold_run, text)
    if not text.isprintable():
        text = ASCII_CONTROLS.sub("", text)
    for char, target in LOOKALIKE_PAIRS:
        text = text.replace(char, target)
    return text


def normalise(text):
    """The form every text and pattern is compared in (see the module docstring)."""
    text = _fold_chars(text)
    for sequence, letter in ASCII_SEQUENCES:
        text = text.replace(sequence, letter)
    if text.isascii():  # the usual case once folded: a byte table, not a regex
        text = text.encode().translate(_ASCII_SEPARATORS).decode()
    else:
        text = SEPARATORS.sub(" ", text)
    return " " + " ".join(text.split()) + " "


def normalise_with_offsets(text):
    """``normalise(text)`` and, for each of its characters, the index in ``text`` it comes
    from (the space at either end: 0 and len). Slower; used only to rewrite text."""
    chars, origins = [], []
    for index, char in enumerate(text):
        for folded in _fold_chars(char):
            chars.append(folded)
            origins.append((index, index))
    folded = "".join(chars)
    for sequence, letter in ASCII_SEQUENCES:
        position = folded.find(sequence)
        while position != -1:
            folded = folded[:position] + letter + folded[position + len(sequence) :]
            origins[position : position + len(sequence)] = [
                (origins[position][0], origins[position + len(sequence) - 1][1])
            ]
            position = folded.find(sequence, position + 1)
    out, out_origins, space = [" "], [(0, 0)], True
    for char, origin in zip(folded, origins, strict=True):
        if SEPARATORS.fullmatch(char) or char.isspace():
            if not space:
                out.append(" ")
                out_origins.append(origin)
                space = True
        else:
            out.append(char)
            out_origins.append(origin)
            space = False
    if not space:
        out.append(" ")
        out_origins.append((len(text), len(text)))
    else:
        out_origins[-1] = (len(text), len(text)) if len(out) > 1 else (0, 0)
    return "".join(out), out_origins


@dataclass(frozen=True)
class Pattern:
    """A checked pattern: its pieces in normal form (``head`` then ``tail`` for ``a*b``)."""

    head: str
    tail: str = ""


def compile_pattern(pattern):
    """Check a pattern as typed and return its ``Pattern``; raise ValidationError (clear,
    translated) for anything but words, phrases and globs with ``*`` inside one word."""
    raw = (pattern or "").strip()
    if not raw:
        raise ValidationError(_("Type a word or a phrase."), code="empty")
    if len(raw) > MAX_PATTERN:
        raise ValidationError(
            _("A watched word is at most %(n)d characters long.") % {"n": MAX_PATTERN},
            code="too_long",
        )
    if not PATTERN_CHARS.match(raw):
        raise ValidationError(
            _(
                "Use letters, digits, spaces and * only: plain words, phrases, or globs "
                "such as spam* (regular expressions are not accepted)."
            ),
            code="invalid_pattern",
        )
    words = raw.split()
    stars = raw.count("*")
    if len(words) > MAX_PHRASE_WORDS:
        raise ValidationError(
            _("A phrase has at most %(n)d words.") % {"n": MAX_PHRASE_WORDS}, code="too_long"
        )
    if stars and len(words) > 1:
        raise ValidationError(
            _("A glob (*) goes in a single word, not a phrase."), code="invalid_pattern"
        )
    if stars > 2 or "**" in raw or (stars == 2 and not (raw.startswith("*") and raw.endswith("*"))):
        raise ValidationError(
            _("Use at most one * inside a word, or one at each end (*word*)."),
            code="invalid_pattern",
        )
    if not stars:
        body = normalise(raw)
        if not body.strip():
            raise ValidationError(_("Type a word or a phrase."), code="empty")
        return Pattern(body)
    core = raw.strip("*")
    parts = core.split("*")
    if any(not normalise(part).strip() for part in parts) or (
        len(normalise(core).split()) != 1 and len(parts) == 1
    ):
        raise ValidationError(_("A glob needs letters around its *."), code="invalid_pattern")
    pieces = [normalise(part).strip() for part in parts]
    if len(pieces) == 2:  # a*b: the word starts with a and ends with b
        return Pattern(" " + pieces[0], pieces[1] + " ")
    lead = "" if raw.startswith("*") else " "
    trail = "" if raw.endswith("*") else " "
    return Pattern(lead + pieces[0] + trail)


@dataclass(frozen=True)
class Rule:
    id: int
    pattern: str
    action: str
    replacement: str


@dataclass
class Hit:
    rule: Rule
    start: int  # in the normal form
    end: int


class Matcher:
    """Every watched word of a community (and the site's), in one automaton."""

    def __init__(self, rules):
        self.rules = list(rules)
        self.automaton = ahocorasick.Automaton()
        self.tails = {}  # a*b: the head's key -> rules waiting for their tail
        entries = {}
        for rule in self.rules:
            compiled = compile_pattern(rule.pattern)
            entries.setdefault(compiled.head, []).append((rule, compiled.tail))
            if compiled.tail:
                entries.setdefault(compiled.tail, [])
        tails = {tail for rules in entries.values() for _rule, tail in rules if tail}
        for key, rules in entries.items():
            plain = tuple(rule for rule, tail in rules if not tail)
            headed = tuple((rule, tail) for rule, tail in rules if tail)
            self.automaton.add_word(key, (key, len(key), key in tails, plain, headed))
        self.empty = not entries
        if entries:
            self.automaton.make_automaton()

    def find(self, normal):
        """The hits in ``normal`` (a normalised text), in order, one pass over it.

        A glob ``a*b`` is a head `` a`` and a tail ``b ``: the tail, found at a word's
        end, matches when that word began with the head (remembered by the position of
        the space before it, and found once per word end: linear)."""
        if self.empty:
            return []
        hits = []
        heads = {}  # space position -> [(rule, tail key, head end)]
        word_start_of = {}  # tail end -> the space that starts its word
        for end, (key, length, is_tail, plain, headed) in self.automaton.iter(normal):
            start = end - length + 1
            if is_tail and heads:
                space = word_start_of.get(end)
                if space is None:
                    space = word_start_of[end] = normal.rfind(" ", 0, end)
                for rule, tail, head_end in heads.get(space, ()):
                    if tail == key and head_end <= start:
                        hits.append(Hit(rule, space, end + 1))
            for rule in plain:
                hits.append(Hit(rule, start, end + 1))
            for rule, tail in headed:
                heads.setdefault(start, []).append((rule, tail, end + 1))
        return hits


def check(matcher, text):
    """The hits of ``matcher`` in ``text`` (normalised once)."""
    return matcher.find(normalise(text))


def rewrite(matcher, text):
    """``text`` with each match of a replace rule swapped for its replacement."""
    normal, origins = normalise_with_offsets(text)
    spans = []
    for hit in matcher.find(normal):
        if hit.rule.action != REPLACE:
            continue
        start, end = hit.start, hit.end - 1
        while start < end and normal[start] == " ":
            start += 1
        while end > start and normal[end] == " ":
            end -= 1
        spans.append((origins[start][0], origins[end][1] + 1, hit.rule.replacement))
    out, position = [], 0
    for start, end, replacement in sorted(spans):
        if start < position:
            continue
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


# --- The matcher per community, cached ------------------------------------------------

VERSION_KEY = "watched-words:version"


def _version():
    # A random token, not a counter: a cache that was cleared or evicted the key gives
    # a new token, never an old one that a process still has a matcher for.
    return django_cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def changed():
    """Call (on commit) when a watched word is added or removed: every process rebuilds."""
    django_cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


@cache
def _built(community_id, version):
    from django.db.models import Q

    from forums.moderation.prevention.models import WatchedWord

    words = WatchedWord.objects.filter(Q(community__isnull=True) | Q(community_id=community_id))
    return Matcher(
        Rule(w.pk, w.pattern, w.action, w.replacement)
        for w in words.order_by("pk").only("pk", "pattern", "action", "replacement")
    )


def matcher_for(community):
    """The compiled matcher of ``community`` (site-wide words included). Built once per
    process and version: a change anywhere bumps the version in the shared cache."""
    version = _version()
    if _built.cache_info().currsize > 256:
        _built.cache_clear()
    return _built(community.pk if community is not None else None, version)
