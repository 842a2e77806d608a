"""The year an incident is filed under is the year it occurred or, where
that is not known, the year it was first reported (models.incident_year):
the year index follows. The sources index walks its sources newest first,
and counts each source's incidents from the evidence in source order."""

import django.db.models.functions.comparison
import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0017_search_vocabulary_unaccent'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='incident',
            name='incident_public_year',
        ),
        migrations.AddIndex(
            model_name='evidence',
            index=models.Index(fields=['source', 'incident'], name='evidence_source_incident'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(django.db.models.functions.datetime.ExtractYear(django.db.models.functions.comparison.Coalesce('occurred_on', 'reported_on')), models.OrderBy(models.F('reported_on'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('is_published', True), ('merged_into__isnull', True)), include=('occurred_on', 'severity', 'updated', 'created', 'kind', 'status', 'setting', 'has_reproduction'), name='incident_public_year'),
        ),
        migrations.AddIndex(
            model_name='source',
            index=models.Index(models.OrderBy(models.F('published_on'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), name='source_newest'),
        ),
    ]
