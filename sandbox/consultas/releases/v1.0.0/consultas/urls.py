from django.urls import path

from appointments import views as appointments
from consultas import health
from professionals import views as professionals

urlpatterns = [
    path("health/", health.health, name="health"),
    path("api/professionals/", professionals.professional_list, name="professional-list"),
    path("api/appointments/", appointments.appointment_collection, name="appointment-collection"),
]
