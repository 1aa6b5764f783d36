"""The matching words of a result marked (``<mark>``), in text escaped for HTML."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from entrants.search.engine import WORD

TOKEN = re.compile(f"({WORD.pattern})")  # split() keeps the words
SNIPPET = 180


def matches(token, query):
    token = token.lower()
    return any(
        token.startswith(word) or token in query.corrections.get(word, ()) for word in query.words
    )


def mark(text, query):
    """Return ``text`` escaped, each word that matches ``query`` in ``<mark>``."""
    parts = TOKEN.split(text)
    marked = [
        f"<mark>{escape(part)}</mark>" if index % 2 and matches(part, query) else escape(part)
        for index, part in enumerate(parts)
    ]
    return mark_safe("".join(marked))


def snippet(text, query, width=SNIPPET):
    """Return about ``width`` characters of ``text`` around its first match, marked; or
    ``""`` when nothing in it matches."""
    for found in TOKEN.finditer(text):
        if matches(found.group(), query):
            start = max(0, found.start() - width // 3)
            end = min(len(text), start + width)
            if start:  # begin at a word
                start = text.find(" ", start, found.start()) + 1 or start
            piece = mark(text[start:end], query)
            return mark_safe(f"{'…' if start else ''}{piece}{'…' if end < len(text) else ''}")
    return ""
