"""The search tables. Written only by ``entrants.search.index``; read by ``engine``."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    """One searchable record (a company, a sighting, a news item…) as the search reads it: its
    text in three weights and what a result shows (label, link, date). The PostgreSQL
    ``vector`` and its GIN index, and SQLite's FTS5 table, are made by migration 0012."""

    kind = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    date_display = models.CharField(max_length=40, blank=True)
    title = models.TextField(help_text="Names: weight A.")
    names = models.TextField(blank=True, help_text="Names around it: weight B.")
    body = models.TextField(blank=True, help_text="Long text: weight C.")
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        app_label = "entrants"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_record")
        ]

    def __str__(self):
        return f"{self.kind}: {self.label}"


class SearchTerm(models.Model):
    """A word of some record's names (title or names weight), lower case: the words a
    misspelt query word may be corrected to."""

    word = models.CharField(max_length=100, unique=True)

    class Meta:
        app_label = "entrants"

    def __str__(self):
        return self.word
