"""``/search/``: one search across every kind of record, grouped by kind."""

from django import forms
from django.utils.translation import gettext_lazy as _

from entrants.filtersets import SEARCH_WORDS, at_most_words
from entrants.search import engine
from entrants.search.highlight import mark, snippet
from entrants.views import render_page

MAX_LENGTH = 200
PER_KIND = 5


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_LENGTH,
        validators=[at_most_words(SEARCH_WORDS)],
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def present(group, query):
    """The group's hits with their label and their best matching text marked."""
    for hit in group.hits:
        hit.label_html = mark(hit.label, query)
        hit.snippet = snippet(hit.names, query) or snippet(hit.body, query)
    return group


def search(request):
    """Show the records matching ``q``, grouped by kind, best first in each kind."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        response = render_page(
            request,
            "entrants/search.html",
            {"form": form, "errors": [e for errors in form.errors.values() for e in errors]},
        )
        response.status_code = 400
        return response
    query = engine.parse(form.cleaned_data["q"])
    groups = [present(group, query) for group in engine.search(query, PER_KIND)]
    return render_page(
        request,
        "entrants/search.html",
        {"form": form, "query": query, "groups": groups, "searched": bool(query)},
    )
