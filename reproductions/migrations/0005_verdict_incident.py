"""Verdict.incident: the claim's incident, kept by the database.

A BEFORE trigger sets it from the claim on every insert and on a change of
claim (whatever writes the row: the worker, loaddata, a dataset import, raw
SQL), and an AFTER trigger on claims carries a claim's move to another
incident to its verdicts. Existing verdicts are filled in here.
"""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION reproductions_verdict_set_incident() RETURNS trigger AS $$
BEGIN
    NEW.incident_id := (SELECT incident_id FROM incidents_claim WHERE id = NEW.claim_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER verdict_set_incident
    BEFORE INSERT OR UPDATE OF claim_id, incident_id ON reproductions_verdict
    FOR EACH ROW EXECUTE FUNCTION reproductions_verdict_set_incident();

CREATE FUNCTION reproductions_claim_moved() RETURNS trigger AS $$
BEGIN
    UPDATE reproductions_verdict SET incident_id = NEW.incident_id WHERE claim_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER claim_moved_verdicts
    AFTER UPDATE OF incident_id ON incidents_claim
    FOR EACH ROW WHEN (OLD.incident_id IS DISTINCT FROM NEW.incident_id)
    EXECUTE FUNCTION reproductions_claim_moved();

UPDATE reproductions_verdict AS v SET incident_id = c.incident_id FROM incidents_claim AS c WHERE c.id = v.claim_id;
"""

DROP_TRIGGERS = """
DROP TRIGGER claim_moved_verdicts ON incidents_claim;
DROP FUNCTION reproductions_claim_moved();
DROP TRIGGER verdict_set_incident ON reproductions_verdict;
DROP FUNCTION reproductions_verdict_set_incident();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0008_public_year_index'),
        ('reproductions', '0004_rerun_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='verdict',
            name='incident',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident'),
        ),
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP_TRIGGERS),
    ]
