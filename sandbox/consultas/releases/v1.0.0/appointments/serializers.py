def appointment_json(appointment) -> dict:
    return {
        "id": appointment.id,
        "professional": appointment.professional_id,
        "patient_name": appointment.patient_name,
        "scheduled_at": appointment.scheduled_at.isoformat(),
        "status": appointment.status,
    }
