"""Verdicts record the numbers their rule used; runs keep their samples.

A verdict was drawn for pipeline checks too (a mock model's canned rate
against a published figure); they never moved a claim, but they marked
the incident as having a reproduction. Only reproductions are judged now,
so those verdicts go (the has_reproduction trigger follows). The old
per-mapping tolerance becomes the verdict's margin.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def drop_pipeline_check_verdicts(apps, schema_editor):
    Verdict = apps.get_model("reproductions", "Verdict")
    Verdict.objects.exclude(run__purpose="reproduction").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0015_claim_systems_evidence_basis_purpose'),
        ('reproductions', '0006_incident_has_reproduction'),
    ]

    operations = [
        migrations.CreateModel(
            name='RunSample',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sample_id', models.CharField(max_length=200)),
                ('epoch', models.PositiveIntegerField(default=1)),
                ('input', models.TextField(blank=True, help_text='The prompt, as text.')),
                ('output', models.TextField(blank=True, help_text="The model's answer.")),
                ('target', models.TextField(blank=True)),
                ('scores', models.JSONField(blank=True, default=dict, help_text="Each scorer's value, answer and explanation (the grader's output).")),
                ('grader_output', models.TextField(blank=True, help_text='What the grader or judge model replied, where recorded.')),
                ('error', models.TextField(blank=True, help_text='Why the sample could not be graded.')),
                ('is_ungraded', models.BooleanField(default=False)),
            ],
            options={
                'ordering': ['run', 'epoch', 'id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='harnessmetric',
            name='harnessmetric_tolerance_not_negative',
        ),
        migrations.RemoveField(
            model_name='harnessmetric',
            name='published_value',
        ),
        migrations.RemoveField(
            model_name='harnessmetric',
            name='tolerance',
        ),
        migrations.RunPython(drop_pipeline_check_verdicts, migrations.RunPython.noop),
        migrations.RenameField(
            model_name='verdict',
            old_name='tolerance',
            new_name='margin',
        ),
        migrations.AlterField(
            model_name='verdict',
            name='margin',
            field=models.FloatField(blank=True, help_text="The harness's equivalence margin at the time.", null=True),
        ),
        migrations.AddField(
            model_name='harness',
            name='equivalence_margin',
            field=models.FloatField(default=10.0, help_text="How far a re-run's figure may differ from the published one and still count as the same finding, in the metric's unit (percentage points for a percentage). Justify it in the description.", validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddField(
            model_name='harness',
            name='max_ungraded_share',
            field=models.FloatField(default=0.1, help_text='The share of samples that may end ungraded (a grader reply that cannot be read, a sample error) before the run fails; ungraded samples are left out of the figures and counted on the run.', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
        ),
        migrations.AddField(
            model_name='reproductionrun',
            name='notes',
            field=models.JSONField(blank=True, default=list, help_text='What the run could not do and why, in words: a claim it did not judge, ungraded samples.'),
        ),
        migrations.AddField(
            model_name='reproductionrun',
            name='samples_ungraded',
            field=models.PositiveIntegerField(default=0, help_text='Samples left out of the figures: a grader reply that could not be read, or a sample error.'),
        ),
        migrations.AddField(
            model_name='verdict',
            name='difference',
            field=models.FloatField(blank=True, help_text="Measured minus published, in the metric's unit.", null=True),
        ),
        migrations.AddField(
            model_name='verdict',
            name='difference_lower',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='verdict',
            name='difference_upper',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='verdict',
            name='measured_sample_size',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='verdict',
            name='measured_value',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='verdict',
            name='method',
            field=models.CharField(blank=True, help_text='How the interval of the difference was computed.', max_length=200),
        ),
        migrations.AddField(
            model_name='verdict',
            name='published_measurement',
            field=models.ForeignKey(blank=True, help_text="The claim's published figure for the system that ran.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='verdicts_against', to='incidents.measurement'),
        ),
        migrations.AddField(
            model_name='verdict',
            name='published_sample_size',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='harnessmetric',
            name='label',
            field=models.CharField(blank=True, help_text="The condition or panel of the claim's published figures this score re-tests, exactly as labelled on those measurements (e.g. '16-model panel (Figure 7)'); empty when the claim has one published figure per system.", max_length=200),
        ),
        migrations.AddField(
            model_name='runsample',
            name='run',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='samples', to='reproductions.reproductionrun'),
        ),
        migrations.AddConstraint(
            model_name='runsample',
            constraint=models.UniqueConstraint(fields=('run', 'sample_id', 'epoch'), name='runsample_unique_per_epoch'),
        ),
    ]
