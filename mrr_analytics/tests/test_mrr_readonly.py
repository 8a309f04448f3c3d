"""The MRR reports are read on a read replica when Odoo has one.

``/web/dataset/call_kw`` opens a read-only cursor, on ``--db_replica_host``, for the
methods marked ``@api.readonly``: the report views must only call such methods.
"""

from unittest.mock import MagicMock, patch

from odoo.tests import TransactionCase, tagged

from odoo.addons.web.controllers.dataset import DataSet

REPORT_MODELS = (
    "mrr.movement",
    "mrr.snapshot",
    "mrr.metric",
    "mrr.cohort",
    "mrr.cohort.change",
    "mrr.movement.total",
)
# What the list, pivot, graph and search views of the web client call.
VIEW_METHODS = (
    "web_search_read",
    "search_read",
    "search_count",
    "read_group",
    "web_read_group",
    "read_progress_bar",
    "name_search",
)


@tagged("post_install", "-at_install")
class TestMrrReadonly(TransactionCase):
    def _call_kw_readonly(self, model, method):
        """The decision of ``/web/dataset/call_kw`` for ``model.method``."""
        request = MagicMock()
        request.registry = self.registry
        request.get_json_data.return_value = {
            "params": {"model": model, "method": method}
        }
        with patch("odoo.addons.web.controllers.dataset.request", request):
            return DataSet()._call_kw_readonly()

    def test_report_views_read_on_the_replica(self):
        for model in REPORT_MODELS:
            for method in VIEW_METHODS:
                with self.subTest(model=model, method=method):
                    self.assertTrue(self._call_kw_readonly(model, method))

    def test_overridden_view_methods_are_marked_readonly(self):
        # An override decides for itself: marked, it cannot fall back on a
        # read/write cursor whatever the classes it inherits from say.
        for model in REPORT_MODELS:
            cls = type(self.env[model])
            for method in VIEW_METHODS:
                for klass in cls.mro():
                    if method in vars(klass) and klass.__module__.startswith(
                        "odoo.addons.mrr_analytics."
                    ):
                        with self.subTest(model=model, method=method):
                            self.assertTrue(
                                getattr(vars(klass)[method], "_readonly", False)
                            )
