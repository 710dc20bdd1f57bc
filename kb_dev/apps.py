from django.apps import AppConfig


class KbDevConfig(AppConfig):
    name = "kb_dev"
    verbose_name = "kb development tools"
