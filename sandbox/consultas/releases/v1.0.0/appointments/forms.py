from django import forms

from appointments.models import Appointment


class AppointmentForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ["professional", "patient_name", "scheduled_at"]

    def clean_professional(self):
        professional = self.cleaned_data["professional"]
        if not professional.accepting_new_patients:
            raise forms.ValidationError("professional is not accepting new patients")
        return professional
