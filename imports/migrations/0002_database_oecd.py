from django.db import migrations, models

DATABASES = [
    ("avid", "AI Vulnerability Database (AVID)"),
    ("atlas", "MITRE ATLAS"),
    ("mit-risk", "MIT AI Risk Repository"),
    ("oecd-json", "OECD-shaped JSON documents (docs/oecd.md)"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importrecord",
            name="database",
            field=models.CharField(choices=DATABASES, db_index=True, max_length=20),
        ),
        migrations.AlterField(
            model_name="importrun",
            name="database",
            field=models.CharField(choices=DATABASES, db_index=True, max_length=20),
        ),
    ]
