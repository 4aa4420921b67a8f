"""Names people read: usernames and display names.

A username must not be mistaken for somebody else's. We refuse characters a
reader cannot see (zero-width, bidirectional overrides, other format
characters), names that mix scripts (Latin with Cyrillic ``а``), and compare
every name by its *skeleton*: NFKC, case-folded, each character replaced by
the representative of its class of look-alikes from Unicode's confusables
data (UTS #39), so that ``paypal``, ``PayPal``, ``paypaI`` and ``pаypal`` all
reduce to the same string and only the first one can be registered.
"""

import datetime
import re
import unicodedata
from functools import cache

from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

USERNAME_RE = re.compile(r"^[\w.-]+$")
# Scripts that share no letters, so mixing them in one name is always a trick.
# "COMMON" covers digits and punctuation, which every script may use.
NEUTRAL_SCRIPTS = {"COMMON", "INHERITED"}

RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "cms",
        "community",
        "communities",
        "everyone",
        "help",
        "me",
        "moderator",
        "moderators",
        "mod",
        "null",
        "root",
        "staff",
        "support",
        "system",
        "undefined",
        "anonymous",
        "webmaster",
        "security",
    }
)


def is_invisible(char):
    """True for characters that change nothing a reader sees but the bytes.

    Unicode category Cf (format: zero-width space and joiners, bidirectional
    marks and overrides, soft hyphen...), Cc (controls), Co/Cn (private or
    unassigned), and the default-ignorable fillers outside Cf.
    """
    category = unicodedata.category(char)
    return category in {"Cf", "Cc", "Co", "Cn", "Cs"} or char in "\u115f\u1160\u3164\uffa0\u034f"


# Look-alikes inside ASCII, after case folding: "I" (folded to "i"), "1" and "|"
# all pass for "l" in common fonts, "0" for "o". Folding first keeps "Marie" and
# "MARIE" together, at the price of also refusing "marie" next to "marle".
ASCII_LOOKALIKES = str.maketrans({"1": "l", "i": "l", "|": "l", "0": "o"})
ASCII_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@cache
def _to_ascii():
    """Map each non-ASCII character that looks like an ASCII one to it.

    Taken from the Unicode confusables data (``confusable_homoglyphs`` ships
    it as a table of look-alikes per character): Cyrillic ``а`` -> ``a``,
    fullwidth ``ａ`` -> ``a``, mathematical ``𝐚`` -> ``a``...
    """
    mapping = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            glyph = entry["c"].replace("\u200e", "")
            if len(glyph) == 1 and glyph.isascii() and glyph.isprintable():
                mapping[ord(char)] = glyph
                break
    return mapping


def skeleton(name):
    """Return the string that two confusable names share.

    Precondition: none; any string is accepted and the result is only ever
    compared, never shown.
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if not is_invisible(c))
    text = text.translate(_to_ascii()).casefold().translate(ASCII_LOOKALIKES)
    for sequence, letter in ASCII_SEQUENCES:
        text = text.replace(sequence, letter)
    return unicodedata.normalize("NFC", text)


def _scripts(text):
    scripts = set()
    for char in text:
        if char.isalpha():
            alias = categories.alias(char)
            if alias not in NEUTRAL_SCRIPTS:
                scripts.add(alias)
    return scripts


@deconstructible
class UsernameCharactersValidator:
    message = _(
        "Use letters, digits, dots, hyphens and underscores only, starting with a letter or digit."
    )
    code = "invalid_username"

    def __call__(self, value):
        if any(is_invisible(c) for c in value):
            raise ValidationError(
                _("Usernames cannot contain invisible or direction-changing characters."),
                code="invisible_characters",
            )
        if unicodedata.normalize("NFKC", value) != value:
            raise ValidationError(
                _(
                    "Use plain letters: this name contains a stylised variant of a letter "
                    "(fullwidth, bold, circled...)."
                ),
                code="not_normalized",
            )
        if not USERNAME_RE.match(value) or not value[0].isalnum():
            raise ValidationError(self.message, code=self.code)
        if len(_scripts(value)) > 1:
            raise ValidationError(
                _("Usernames cannot mix alphabets (for example Latin and Cyrillic letters)."),
                code="mixed_scripts",
            )
        if skeleton(value) in {skeleton(name) for name in RESERVED_USERNAMES}:
            raise ValidationError(_("This username is reserved."), code="reserved")

    def __eq__(self, other):
        return isinstance(other, UsernameCharactersValidator)


USERNAME_VALIDATORS = [
    MinLengthValidator(3),
    MaxLengthValidator(30),
    UsernameCharactersValidator(),
]


def validate_display_name(value):
    """Display names are free text, but never invisible or direction tricks."""
    if any(is_invisible(c) for c in value):
        raise ValidationError(
            _("Display names cannot contain invisible or direction-changing characters."),
            code="invisible_characters",
        )
    if value and not value.strip():
        raise ValidationError(_("A display name cannot be blank."), code="blank")


def validate_single_line(value):
    """Names and titles: no control characters (NUL, newlines...) and no invisible tricks."""
    if any(is_invisible(c) for c in value):
        raise ValidationError(
            _("Remove the control or invisible characters from this text."),
            code="invisible_characters",
        )


def validate_text(value):
    """Longer text: line breaks and tabs are fine, other control characters are not.

    PostgreSQL cannot store NUL, and the others have no business in prose.
    """
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise ValidationError(_("Remove the control characters from this text."), code="control")


# --- Numbers and moments that reach the database or a page ----------------------

# The largest id a BigAutoField holds on SQLite and PostgreSQL alike. A larger
# integer handed to a query fails in the driver (SQLite: OverflowError), not as
# "no such row": every id taken from a query string or a form is bounded first.
MAX_DB_INT = 2**63 - 1

# Moments people may set (a poll's closing time...) lie in this range, so that
# every page can show them in every time zone (year 9999 in Paris overflows).
EARLIEST_MOMENT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST_MOMENT = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def parse_int(value, default=None, *, minimum=0, maximum=MAX_DB_INT):
    """Return ``value`` (text of ASCII digits) as an int in [minimum, maximum], else ``default``.

    For query strings and raw form fields: ``str.isdecimal`` accepts 5,000
    digits that ``int()`` then refuses, and any number of digits that the
    database refuses; this accepts neither.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        value = value.strip()
        if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
            return default
        number = int(value)
    else:
        return default
    return number if minimum <= number <= maximum else default


def validate_moment(value):
    """Refuse a datetime without a time zone or outside [EARLIEST_MOMENT, LATEST_MOMENT)."""
    if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
        raise ValidationError(_("Give the time with its time zone."), code="naive_moment")
    try:
        in_range = EARLIEST_MOMENT <= value < LATEST_MOMENT
    except OverflowError:  # an offset that pushes year 1 or 9999 out of range
        in_range = False
    if not in_range:
        raise ValidationError(
            _("Choose a time between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_MOMENT.year, "latest": LATEST_MOMENT.year - 1},
            code="moment_out_of_range",
        )
