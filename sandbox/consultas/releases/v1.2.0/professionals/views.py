from django.views.decorators.http import require_GET

from consultas.api import page
from professionals.models import Professional
from professionals.serializers import professional_json


@require_GET
def professional_list(request):
    queryset = Professional.objects.all()
    if "specialty" in request.GET:
        queryset = queryset.filter(specialty=request.GET["specialty"])
    if "council_registration" in request.GET:
        queryset = queryset.filter(council_registration=request.GET["council_registration"])
    return page(request, queryset, professional_json)
