# Data migration for release 1.2.0: IRREVERSIBLE on purpose (lower-casing loses the original
# spelling, so there is no reverse_code); `migrate professionals 0003` raises IrreversibleError.
from django.db import migrations
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    Professional = apps.get_model("professionals", "Professional")
    Professional.objects.update(email=Lower("email"))


class Migration(migrations.Migration):

    dependencies = [
        ("professionals", "0003_populate_display_name"),
    ]

    operations = [
        migrations.RunPython(lowercase_emails),
    ]
