"""Incident.has_reproduction, kept by the database.

A BEFORE trigger on incidents computes the column from the verdicts on
every insert and on any update that names the column, whatever value the
update gives it (a model's save writes every column, so a stale value in
memory never lands); an AFTER trigger on verdicts names it for the
incidents whose verdicts came, went or moved (a claim moved to another
incident moves its verdicts: migration 0005). Existing incidents are
filled in here the same way.
"""

from django.db import migrations

TRIGGERS = """
CREATE FUNCTION incidents_incident_set_reproduced() RETURNS trigger AS $$
BEGIN
    NEW.has_reproduction := EXISTS (SELECT 1 FROM reproductions_verdict WHERE incident_id = NEW.id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER incident_set_reproduced
    BEFORE INSERT OR UPDATE OF has_reproduction ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION incidents_incident_set_reproduced();

CREATE FUNCTION reproductions_verdict_mark_incident() RETURNS trigger AS $$
BEGIN
    -- Naming the column makes incident_set_reproduced compute it.
    IF TG_OP <> 'DELETE' THEN
        UPDATE incidents_incident SET has_reproduction = has_reproduction WHERE id = NEW.incident_id;
    END IF;
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.incident_id IS DISTINCT FROM NEW.incident_id) THEN
        UPDATE incidents_incident SET has_reproduction = has_reproduction WHERE id = OLD.incident_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER verdict_mark_incident
    AFTER INSERT OR DELETE OR UPDATE OF incident_id ON reproductions_verdict
    FOR EACH ROW EXECUTE FUNCTION reproductions_verdict_mark_incident();

UPDATE incidents_incident SET has_reproduction = has_reproduction
 WHERE id IN (SELECT incident_id FROM reproductions_verdict);
"""

DROP_TRIGGERS = """
DROP TRIGGER verdict_mark_incident ON reproductions_verdict;
DROP FUNCTION reproductions_verdict_mark_incident();
DROP TRIGGER incident_set_reproduced ON incidents_incident;
DROP FUNCTION incidents_incident_set_reproduced();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0014_has_reproduction"),
        ("reproductions", "0005_verdict_incident"),
    ]

    operations = [
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP_TRIGGERS),
    ]
