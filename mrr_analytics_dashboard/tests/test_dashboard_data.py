import json
import re

from babel.messages import pofile
from lxml import etree

from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open
from odoo.tools.translate import extract_spreadsheet_terms

from odoo.addons.spreadsheet.utils.validate_data import menus_xml_ids_in_spreadsheet

ADDON = "mrr_analytics_dashboard"
FILE = f"{ADDON}/data/files/mrr_analytics_dashboard.json"
RANGE = re.compile(r"^(?P<sheet>\w+)!(?P<start>[A-Z]+\d+)(?::(?P<end>[A-Z]+\d+))?$")


def function_calls(formula, name):
    """The argument lists, as source texts, of each call of ``name`` in ``formula``."""
    for match in re.finditer(re.escape(name) + r"\(", formula):
        args, depth, quoted, start = [], 0, False, match.end()
        for index in range(match.end(), len(formula)):
            char = formula[index]
            if char == '"':
                quoted = not quoted
            elif quoted:
                continue
            elif char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char in ",)" and not depth:
                args.append(formula[start:index].strip())
                start = index + 1
                if char == ")":
                    break
        yield args


def unquote(arg):
    return arg[1:-1] if len(arg) > 1 and arg[0] == arg[-1] == '"' else None


def cell_position(xc):
    letters, digits = re.match(r"([A-Z]+)(\d+)", xc).groups()
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return col - 1, int(digits) - 1


@tagged("post_install", "-at_install")
class TestDashboardData(TransactionCase):
    """The dashboard's JSON reads fields, measures and menus that exist.

    A field renamed or removed in mrr_analytics breaks these tests, not the dashboard
    of a user: every pivot, formula, filter, chart and link of the file is checked
    against the models and menus of the database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with file_open(FILE, "rb") as handle:
            cls.data = json.load(handle)
        cls.sheets = {sheet["name"]: sheet for sheet in cls.data["sheets"]}
        cls.filters = {f["id"]: f for f in cls.data["globalFilters"]}

    def fields_of(self, model):
        self.assertIn(model, self.env, f"model {model} of the dashboard does not exist")
        return self.env[model].fields_get(
            attributes=["type", "relation", "selection", "aggregator", "groupable"]
        )

    def formulas(self):
        for sheet in self.data["sheets"]:
            for xc, cell in sheet["cells"].items():
                content = cell.get("content", "")
                if content.startswith("="):
                    yield f"{sheet['name']}!{xc}", content

    def dimension_names(self, pivot):
        return [
            f"{dim['fieldName']}:{dim['granularity']}"
            if dim.get("granularity")
            else dim["fieldName"]
            for dim in pivot["rows"] + pivot["columns"]
        ]

    def test_dashboard_is_installed_from_the_file(self):
        dashboard = self.env.ref(f"{ADDON}.dashboard_mrr_analytics")
        self.assertEqual(json.loads(dashboard.spreadsheet_data), self.data)
        self.assertTrue(dashboard.is_published)
        self.assertEqual(
            dashboard.dashboard_group_id,
            self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_finance"),
        )
        self.assertEqual(dashboard.main_data_model_ids.model, "mrr.metric")
        # Those who see the analytics menus see the dashboard.
        self.assertEqual(
            dashboard.group_ids,
            self.env.ref("mrr_analytics.mrr_metric_menu").groups_id,
        )
        self.assertEqual(
            [s["name"] for s in self.data["sheets"]], ["Dashboard", "Data"]
        )
        self.assertFalse(self.sheets["Data"]["isVisible"])

    def test_pivots_group_and_measure_existing_fields(self):
        self.assertEqual(
            {pivot["model"] for pivot in self.data["pivots"].values()},
            {"mrr.metric", "mrr.snapshot", "mrr.movement", "mrr.cohort"},
        )
        for pivot_id, pivot in self.data["pivots"].items():
            model = pivot["model"]
            fields = self.fields_of(model)
            groupby = []
            for dim in pivot["rows"] + pivot["columns"]:
                name = dim["fieldName"]
                self.assertIn(
                    name, fields, f"pivot {pivot_id}: no field {model}.{name}"
                )
                self.assertTrue(
                    fields[name]["groupable"], f"{model}.{name} cannot group"
                )
                groupby.append(
                    f"{name}:{dim['granularity']}" if dim.get("granularity") else name
                )
            aggregates = []
            for measure in pivot["measures"]:
                name = measure["fieldName"]
                self.assertEqual(measure["id"], name)
                self.assertIn(
                    name, fields, f"pivot {pivot_id}: no field {model}.{name}"
                )
                aggregator = fields[name].get("aggregator")
                self.assertTrue(aggregator, f"{model}.{name} is not a measure")
                aggregates.append(f"{name}:{aggregator}")
            self.assertEqual(pivot["domain"], [])
            # What the spreadsheet asks the server, once for the whole pivot.
            self.env[model].read_group([], aggregates, groupby, lazy=False)

    def test_metric_tiles_read_the_columns_of_the_metrics_list(self):
        metric_pivots = [
            p for p in self.data["pivots"].values() if p["model"] == "mrr.metric"
        ]
        self.assertEqual(len(metric_pivots), 1)
        arch = etree.fromstring(self.env.ref("mrr_analytics.mrr_metric_view_list").arch)
        listed = {field.get("name") for field in arch.iter("field")}
        measures = {m["fieldName"] for m in metric_pivots[0]["measures"]}
        self.assertLessEqual(measures, listed)

    def test_formulas_ask_pivots_for_their_measures_and_dimensions(self):
        pivots = self.data["pivots"]
        calls = 0
        for where, formula in self.formulas():
            for args in function_calls(formula, "PIVOT.VALUE"):
                calls += 1
                self.assertIn(args[0], pivots, f"{where}: no pivot {args[0]}")
                pivot = pivots[args[0]]
                fields = self.fields_of(pivot["model"])
                measures = [m["id"] for m in pivot["measures"]]
                self.assertIn(unquote(args[1]), measures, f"{where}: measure {args[1]}")
                pairs = list(zip(args[2::2], args[3::2], strict=True))
                dimensions = [unquote(name) for name, _value in pairs]
                self.assertEqual(
                    dimensions,
                    self.dimension_names(pivot)[: len(dimensions)],
                    f"{where}: dimensions of pivot {args[0]}",
                )
                for name, value in pairs:
                    field = fields[unquote(name).split(":")[0]]
                    if field["type"] == "selection" and unquote(value) is not None:
                        keys = [key for key, _label in field["selection"]]
                        self.assertIn(unquote(value), keys, f"{where}: {name} {value}")
            for args in function_calls(formula, "ODOO.FILTER.VALUE"):
                labels = [f["label"] for f in self.data["globalFilters"]]
                self.assertIn(unquote(args[0]), labels, f"{where}: filter {args[0]}")
        self.assertGreater(calls, 50)

    def test_filters_match_existing_fields_of_their_models(self):
        period = self.filters["period"]
        self.assertEqual((period["type"], period["rangeType"]), ("date", "fixedPeriod"))
        matched = set()
        for pivot_id, pivot in self.data["pivots"].items():
            for filter_id, matching in pivot["fieldMatching"].items():
                self.assertIn(filter_id, self.filters, f"pivot {pivot_id}: filter")
                flt = self.filters[filter_id]
                self.assertEqual(flt["type"], "relation")
                model = pivot["model"]
                field = None
                for name in matching["chain"].split("."):
                    fields = self.fields_of(model)
                    self.assertIn(
                        name, fields, f"pivot {pivot_id}: no field {model}.{name}"
                    )
                    field = fields[name]
                    model = field.get("relation")
                self.assertEqual(field["type"], matching["type"])
                self.assertEqual(field["relation"], flt["modelName"])
                matched.add(filter_id)
        relations = {
            f["id"] for f in self.data["globalFilters"] if f["type"] == "relation"
        }
        self.assertEqual(matched, relations, "a filter that filters nothing")
        self.assertEqual(
            {
                f["modelName"]
                for f in self.data["globalFilters"]
                if f["type"] == "relation"
            },
            {"res.company", "recurring.plan", "res.currency"},
        )

    def test_figures_read_cells_that_have_content(self):
        def check_range(reference, figure_id):
            match = RANGE.match(reference)
            self.assertTrue(match, f"{figure_id}: range {reference}")
            sheet = self.sheets[match["sheet"]]
            (col1, row1), (col2, row2) = (
                cell_position(match["start"]),
                cell_position(match["end"] or match["start"]),
            )
            for col in range(col1, col2 + 1):
                for row in range(row1, row2 + 1):
                    xc = f"{chr(65 + col)}{row + 1}"
                    self.assertIn(xc, sheet["cells"], f"{figure_id}: {reference} empty")

        figures = self.sheets["Dashboard"]["figures"]
        for figure in figures:
            chart = figure["data"]
            if chart["type"] == "scorecard":
                check_range(chart["keyValue"], figure["id"])
                check_range(chart["baseline"], figure["id"])
            else:
                self.assertIn(chart["type"], ("line", "bar"))
                check_range(chart["labelRange"], figure["id"])
                for dataset in chart["dataSets"]:
                    check_range(dataset["dataRange"], figure["id"])
        self.assertEqual(
            sorted(
                f["data"]["title"]["text"]
                for f in figures
                if f["data"]["type"] == "scorecard"
            ),
            sorted(
                [
                    "MRR",
                    "ARR",
                    "Net New MRR",
                    "Active Customers",
                    "ARPA",
                    "LTV",
                    "Quick Ratio",
                    "Customer Churn",
                    "Gross MRR Churn",
                    "Net MRR Churn",
                    "NRR",
                    "GRR",
                ]
            ),
        )
        ids = {figure["id"] for figure in figures}
        self.assertLessEqual(set(self.data["chartOdooMenusReferences"]), ids)

    def test_menus_linked_exist_and_open_an_action(self):
        xml_ids = menus_xml_ids_in_spreadsheet(self.data)
        self.assertTrue(xml_ids)
        for xml_id in xml_ids:
            menu = self.env.ref(xml_id, raise_if_not_found=False)
            self.assertTrue(menu, f"no menu {xml_id}")
            self.assertTrue(menu.action, f"menu {xml_id} opens nothing")

    def test_every_term_is_translated_in_french(self):
        with file_open(FILE, "rb") as handle:
            terms = {
                term
                for _line, _func, term, _comments in extract_spreadsheet_terms(
                    handle, [], [], {}
                )
            }
        self.assertIn("Key figures of {month}, compared with {previous}", terms)
        with file_open(f"{ADDON}/i18n/{ADDON}.pot", "rb") as handle:
            template = {message.id for message in pofile.read_po(handle) if message.id}
        with file_open(f"{ADDON}/i18n/fr.po", "rb") as handle:
            french = {m.id: m.string for m in pofile.read_po(handle) if m.id}
        self.assertLessEqual(
            terms, template, "terms missing in the .pot: export it again"
        )
        untranslated = sorted(term for term in terms if not french.get(term))
        self.assertFalse(untranslated, "terms without French in i18n/fr.po")
