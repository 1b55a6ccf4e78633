from django.db import models
from django.db.models.functions import Now


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"
        COMPLETED = "completed"

    professional = models.ForeignKey("professionals.Professional", on_delete=models.PROTECT,
                                     related_name="appointments")
    patient_name = models.CharField(max_length=120)
    scheduled_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED,
                              db_default=Status.SCHEDULED)
    notes = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
