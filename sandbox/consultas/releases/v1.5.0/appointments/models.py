from django.db import models
from django.db.models.functions import Now


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"
        COMPLETED = "completed"

    class BookingChannel(models.TextChoices):
        API = "api"
        PHONE = "phone"
        FRONT_DESK = "front_desk"

    professional = models.ForeignKey("professionals.Professional", on_delete=models.PROTECT,
                                     related_name="appointments")
    patient_name = models.CharField(max_length=120)
    scheduled_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED,
                              db_default=Status.SCHEDULED)
    notes = models.TextField(null=True, blank=True)
    # Release 1.5.0: NOT NULL, filled by this code (the model default), with no database default:
    # code that does not know the column (v1.2.0) cannot INSERT appointments while it exists.
    booking_channel = models.CharField(max_length=20, choices=BookingChannel.choices,
                                       default=BookingChannel.API)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
