"""Analyst pages."""

from django.shortcuts import render

from entrants import selectors


def home(request):
    """Show the overview: what the tracker holds, with links to the admin."""
    return render(request, "entrants/home.html", {"counts": selectors.headline_counts()})
