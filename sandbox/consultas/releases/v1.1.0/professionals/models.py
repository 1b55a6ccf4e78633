from django.db import models
from django.db.models.functions import Now


class Professional(models.Model):
    name = models.CharField(max_length=120)
    display_name = models.CharField(max_length=140, null=True, blank=True)
    specialty = models.CharField(max_length=80)
    council_registration = models.CharField(max_length=30)
    email = models.EmailField(unique=True)
    accepting_new_patients = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.display_name or self.name} ({self.specialty})"
