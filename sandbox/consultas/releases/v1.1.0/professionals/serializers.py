def professional_json(professional) -> dict:
    return {
        "id": professional.id,
        "name": professional.name,
        "display_name": professional.display_name or professional.name,
        "specialty": professional.specialty,
        "council_registration": professional.council_registration,
        "email": professional.email,
        "accepting_new_patients": professional.accepting_new_patients,
    }
