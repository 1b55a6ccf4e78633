from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.http import JsonResponse

from appointments.forms import AppointmentForm
from appointments.models import Appointment
from appointments.serializers import appointment_json
from consultas.api import error, feature_flag, json_body, page


@csrf_exempt
@require_http_methods(["GET", "POST"])
@feature_flag("FEATURE_APPOINTMENTS")
def appointment_collection(request):
    if request.method == "POST":
        return create_appointment(request)
    queryset = Appointment.objects.select_related("professional")
    for field in ("professional", "status"):
        if field in request.GET:
            queryset = queryset.filter(**{field: request.GET[field]})
    return page(request, queryset, appointment_json)


def create_appointment(request):
    try:
        form = AppointmentForm(json_body(request))
    except ValueError as exc:
        return error(400, f"invalid JSON: {exc}")
    if not form.is_valid():
        return JsonResponse({"detail": "invalid appointment", "errors": form.errors}, status=400)
    return JsonResponse(appointment_json(form.save()), status=201)
