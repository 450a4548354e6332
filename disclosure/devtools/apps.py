from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Benchmarks and demo data: commands for developers and the demo, no models, no pages."""

    name = "disclosure.devtools"
    label = "devtools"
    verbose_name = "开发工具"
