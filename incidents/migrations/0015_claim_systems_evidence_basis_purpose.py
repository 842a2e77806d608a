"""What a claim is about, who says so, and which measurements are data.

Existing rows are filled in before the new constraints hold: a quote's
basis follows its source's reliability (the cautious reading: primary is
the party's own account, secondary relays it, commentary is commentary),
and a measurement from a run takes the run's purpose.
"""

import django.db.models.deletion
from django.db import migrations, models

BASIS_OF_RELIABILITY = {"primary": "party", "secondary": "relay", "commentary": "commentary"}


def fill_basis_and_purpose(apps, schema_editor):
    Evidence = apps.get_model("incidents", "Evidence")
    Measurement = apps.get_model("incidents", "Measurement")
    for reliability, basis in BASIS_OF_RELIABILITY.items():
        Evidence.objects.filter(basis="", source__reliability=reliability).update(basis=basis)
    Evidence.objects.filter(basis="").update(basis="commentary")
    Measurement.objects.filter(reproduction_run__purpose="reproduction").update(purpose="reproduction")
    Measurement.objects.filter(reproduction_run__isnull=False).exclude(purpose="reproduction").update(
        purpose="pipeline-check"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0014_has_reproduction'),
        ('reproductions', '0006_incident_has_reproduction'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='measurement',
            name='measurement_metric_per_system',
        ),
        migrations.AddField(
            model_name='aisystem',
            name='base_system',
            field=models.ForeignKey(blank=True, help_text='For a fine-tune or other derivative: the system it was made from. A fine-tune is a system of its own: figures about it are never figures about its base, and the reverse.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='derived_systems', to='incidents.aisystem'),
        ),
        migrations.AddField(
            model_name='claim',
            name='systems',
            field=models.ManyToManyField(blank=True, help_text='The AI systems the claim is about: its figures belong to them. A reproduction run judges a claim only when the model that ran is one of these systems.', related_name='claims', to='incidents.aisystem'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='basis',
            field=models.CharField(blank=True, choices=[('party', "The party's own account"), ('peer-reviewed', 'Peer-reviewed research'), ('independent', 'Independent press or researchers'), ('relay', 'Coverage relaying another source'), ('commentary', 'Commentary or opinion')], help_text="Who says so, relative to the claim: the developer, deployer or study authors about their own system or work; peer-reviewed research; independent press or researchers with their own access; coverage that only relays another source; or commentary. Left empty, it follows the source's reliability (primary: the party's own account; secondary: relayed; commentary: commentary).", max_length=20),
        ),
        migrations.AddField(
            model_name='historicalevidence',
            name='basis',
            field=models.CharField(blank=True, choices=[('party', "The party's own account"), ('peer-reviewed', 'Peer-reviewed research'), ('independent', 'Independent press or researchers'), ('relay', 'Coverage relaying another source'), ('commentary', 'Commentary or opinion')], help_text="Who says so, relative to the claim: the developer, deployer or study authors about their own system or work; peer-reviewed research; independent press or researchers with their own access; coverage that only relays another source; or commentary. Left empty, it follows the source's reliability (primary: the party's own account; secondary: relayed; commentary: commentary).", max_length=20),
        ),
        migrations.AddField(
            model_name='historicalmeasurement',
            name='as_of_precision',
            field=models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', help_text='How precisely the date is known.', max_length=5),
        ),
        migrations.AddField(
            model_name='historicalmeasurement',
            name='purpose',
            field=models.CharField(choices=[('published', 'Published figure'), ('reproduction', 'Our re-run'), ('pipeline-check', 'Pipeline check')], default='published', help_text='A published figure (with its evidence), our re-run of the real model, or a pipeline check (never shown as data).', max_length=20),
        ),
        migrations.AddField(
            model_name='measurement',
            name='as_of_precision',
            field=models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', help_text='How precisely the date is known.', max_length=5),
        ),
        migrations.AddField(
            model_name='measurement',
            name='purpose',
            field=models.CharField(choices=[('published', 'Published figure'), ('reproduction', 'Our re-run'), ('pipeline-check', 'Pipeline check')], default='published', help_text='A published figure (with its evidence), our re-run of the real model, or a pipeline check (never shown as data).', max_length=20),
        ),
        migrations.RunPython(fill_basis_and_purpose, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='measurement',
            index=models.Index(fields=['metric', 'system', 'label', '-as_of', '-id'], include=('incident', 'purpose'), name='measurement_metric_per_system'),
        ),
        migrations.AddConstraint(
            model_name='aisystem',
            constraint=models.CheckConstraint(condition=models.Q(('base_system', models.F('id')), _negated=True), name='aisystem_not_own_base'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('basis', ''), _negated=True), name='evidence_has_basis'),
        ),
        migrations.AddConstraint(
            model_name='measurement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('purpose', 'published'), ('evidence__isnull', False)), models.Q(models.Q(('purpose', 'published'), _negated=True), ('reproduction_run__isnull', False)), _connector='OR'), name='measurement_purpose_matches_provenance'),
        ),
        migrations.AddConstraint(
            model_name='measurement',
            constraint=models.CheckConstraint(condition=models.Q(('as_of__isnull', True), ('as_of_precision', 'day'), models.Q(('as_of__day', 1), ('as_of_precision', 'month')), models.Q(('as_of__day', 1), ('as_of__month', 1), ('as_of_precision', 'year')), _connector='OR'), name='measurement_as_of_precision'),
        ),
    ]
