def appointment_json(appointment) -> dict:
    return {
        "id": appointment.id,
        "professional": appointment.professional_id,
        # Release 1.3.0 bug: Professional has no `full_name`, so listing appointments fails
        # with AttributeError (HTTP 500) while /health/ stays green.
        "professional_name": appointment.professional.full_name,
        "patient_name": appointment.patient_name,
        "scheduled_at": appointment.scheduled_at.isoformat(),
        "status": appointment.status,
        "notes": appointment.notes,
    }
