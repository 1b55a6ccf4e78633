# Schema migration for release 1.2.0 in raw SQL, reversible through reverse_sql.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("professionals", "0004_normalize_emails"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX professionals_council_registration_idx "
                "ON professionals_professional (council_registration)",
            reverse_sql="DROP INDEX professionals_council_registration_idx",
        ),
    ]
