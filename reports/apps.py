from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "年度报告"

    def ready(self):
        # The public agency home lists the published reports (disclosure.public.views).
        from disclosure.public.views import AGENCY_HOME_EXTRAS, ITEM_DETAIL_EXTRAS

        from .public import agency_home_context, item_detail_context

        if agency_home_context not in AGENCY_HOME_EXTRAS:
            AGENCY_HOME_EXTRAS.append(agency_home_context)
        if item_detail_context not in ITEM_DETAIL_EXTRAS:
            ITEM_DETAIL_EXTRAS.append(item_detail_context)

        # verify_published re-checks the published versions (disclosure.records.sealed).
        from disclosure.records.sealed import REPORTS, register

        from .verify import report_versions

        register(REPORTS, report_versions)
