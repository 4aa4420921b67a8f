"""seed_scale's inputs: the posts-per-thread specs, titles, a pool of Markdown bodies."""

from django.core.management.base import CommandError

from forums.management.commands._seed_extras import distribution_mean

WORD_TEXT = (
    "bike frame wheel brake chain saddle battery motor range charger light pedal gear "
    "derailleur tyre pressure commute ride weekend mountain city cargo urban trekking race "
    "warranty repair service shop order delivery colour size fit comfort speed climb "
    "rain winter summer lock rack bag app update firmware display sensor torque cable "
    "noise squeak rattle upgrade accessory helmet mirror bell fender kickstand"
)
WORDS = WORD_TEXT.split()
TITLE_STARTS = (
    "How do I",
    "Question about",
    "Idea:",
    "My experience with",
    "Problem with",
    "Tips for",
    "Anyone else with",
    "Best way to handle",
    "Review of",
    "Looking for advice on",
)


def body_pool(rng, size):
    """``size`` distinct Markdown bodies of varied shape and length."""
    bodies = []
    for index in range(size):
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 60))]
            words[0] = words[0].capitalize()
            if rng.random() < 0.3:
                spot = rng.randrange(len(words))
                words[spot] = f"**{words[spot]}**"
            if rng.random() < 0.2:
                spot = rng.randrange(len(words))
                words[spot] = f"[{words[spot]}](https://example.com/{words[spot]})"
            paragraphs.append(" ".join(words) + ".")
        if rng.random() < 0.2:
            paragraphs.append(
                "\n".join(f"- {rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(3))
            )
        if rng.random() < 0.1:
            paragraphs.append(f"`{rng.choice(WORDS)}_{index}()` returns `{rng.choice(WORDS)}`.")
        bodies.append("\n\n".join(paragraphs))
    return bodies


def parse_distribution(spec):
    """ "N" (every thread), "A-B" (uniform) or "A-B:tail" (most threads short)."""
    text = str(spec).strip()
    tail = text.endswith(":tail")
    if tail:
        text = text[: -len(":tail")]
    try:
        if "-" in text:
            low, high = (int(part) for part in text.split("-", 1))
        else:
            low = high = int(text)
    except ValueError:
        raise CommandError(
            f"--posts-per-thread: expected N, A-B or A-B:tail, not {spec!r}."
        ) from None
    if low < 1 or high < low:
        raise CommandError("--posts-per-thread: need 1 <= A <= B.")

    def draw(rng):
        if low == high:
            return low
        if tail:
            return low + int((high - low + 1) * rng.random() ** 3)
        return rng.randint(low, high)

    draw.mean = distribution_mean(low, high, tail)
    return draw


def parse_counts(spec):
    if not spec:
        return []
    try:
        counts = [int(part) for part in str(spec).split(",") if part.strip()]
    except ValueError:
        raise CommandError(
            f"--page-threads: expected numbers like 1,20,100, not {spec!r}."
        ) from None
    if any(count < 1 for count in counts):
        raise CommandError("--page-threads: every thread has at least 1 post.")
    return counts
