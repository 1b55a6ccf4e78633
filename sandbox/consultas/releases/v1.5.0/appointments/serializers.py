def appointment_json(appointment) -> dict:
    return {
        "id": appointment.id,
        "professional": appointment.professional_id,
        "professional_name": appointment.professional.display_name or appointment.professional.name,
        "patient_name": appointment.patient_name,
        "scheduled_at": appointment.scheduled_at.isoformat(),
        "status": appointment.status,
        "notes": appointment.notes,
        "booking_channel": appointment.booking_channel,
    }
