# Data migration for release 1.1.0: reversible (the reverse clears the backfilled column).
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat


def fill_display_name(apps, schema_editor):
    Professional = apps.get_model("professionals", "Professional")
    Professional.objects.filter(display_name__isnull=True).update(
        display_name=Concat(Value("Dr(a). "), "name"))


def clear_display_name(apps, schema_editor):
    Professional = apps.get_model("professionals", "Professional")
    Professional.objects.update(display_name=None)


class Migration(migrations.Migration):

    dependencies = [
        ("professionals", "0002_professional_display_name"),
    ]

    operations = [
        migrations.RunPython(fill_display_name, reverse_code=clear_display_name),
    ]
