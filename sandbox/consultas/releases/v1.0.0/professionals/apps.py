from django.apps import AppConfig


class ProfessionalsConfig(AppConfig):
    name = "professionals"
