"""Finding known spellings in a text, shared by names and places.

Known names match whole words only, case-insensitively and longest spelling first ("Air Link
Communication Limited" before "Air Link"), but a name spelled with a capital initial must keep
it: "Apple" and "APPLE" are the company, "an apple" is not, nor "seal the deal" the BYD Seal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A known name ending in one of these also matches its plural: "Great Wall Motors".
_PLURAL_TOLERANT_ENDINGS = frozenset(
    {"motor", "communication", "automobile", "technology", "holding", "enterprise", "system"}
)


def _key(spelling):
    return " ".join(spelling.lower().split())


def _spelling_pattern(spelling):
    """Return a regex for ``spelling``: any spacing between words, any case except that a
    capital initial stays capital, and an optional plural for "… Motor" names."""
    words = spelling.split()
    parts = [re.escape(word) for word in words]
    if words[0][0].isupper():
        parts[0] = f"(?-i:{re.escape(words[0][0])}){re.escape(words[0][1:])}"
    pattern = r"\s+".join(parts)
    if words[-1].lower() in _PLURAL_TOLERANT_ENDINGS:
        pattern += "s?"
    return pattern


class Matcher:
    """Find known spellings in a text: whole words, leftmost and longest first."""

    def __init__(self, spellings):
        by_key = {}
        for spelling, target in spellings:
            spelling = " ".join(spelling.split())
            if spelling:
                by_key.setdefault(_key(spelling), (spelling, target))
        self._by_key = by_key
        ordered = sorted(by_key.values(), key=lambda item: (-len(item[0]), item[0].lower()))
        self._targets = [target for _spelling, target in ordered]
        alternatives = "|".join(f"({_spelling_pattern(spelling)})" for spelling, _ in ordered)
        # Not after a letter, nor after a contraction's apostrophe ("I've" holds no "VE").
        self._regex = (
            re.compile(rf"(?<!\w)(?<!\w['’])(?:{alternatives})(?!\w)", re.IGNORECASE)
            if ordered
            else None
        )

    def finditer(self, text):
        """Yield (start, end, matched text, target) for each known spelling in ``text``."""
        if self._regex is None:
            return
        for match in self._regex.finditer(text):
            yield match.start(), match.end(), match.group(), self._targets[match.lastindex - 1]

    def lookup(self, spelling):
        """Return the target spelled ``spelling`` (any case or spacing), or None."""
        found = self._by_key.get(_key(spelling))
        return found[1] if found else None


@dataclass
class Hit:
    """One spelling found at ``start:end``: the mention it counts towards (``key``) and that
    mention's fields."""

    start: int
    end: int
    text: str
    key: tuple
    fields: dict


def tally(hits, mention_class):
    """Return one mention per key, counting hits and keeping every spelling and (start, end)
    span, in order of first appearance."""
    grouped = {}
    for hit in sorted(hits, key=lambda hit: (hit.start, hit.end)):
        entry = grouped.setdefault(hit.key, {**hit.fields, "matched": [], "spans": []})
        entry["spans"].append((hit.start, hit.end))
        if hit.text not in entry["matched"]:
            entry["matched"].append(hit.text)
    return tuple(
        mention_class(
            **entry | {"matched": tuple(entry["matched"]), "spans": tuple(entry["spans"])},
            count=len(entry["spans"]),
            position=entry["spans"][0][0],
        )
        for entry in grouped.values()
    )


def overlaps(start, end, spans):
    """Return whether ``start:end`` overlaps any of the (start, end) ``spans``."""
    return any(start < other_end and other_start < end for other_start, other_end in spans)
