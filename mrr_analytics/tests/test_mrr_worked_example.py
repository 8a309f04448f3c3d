from odoo.tests import tagged

from .common import APR, FEB, JAN, MAR, MrrCommon

MOVEMENTS = [
    ("B", "2026-01-01", "new", 100.0),
    ("A", "2026-01-10", "new", 30.0),
    ("E", "2026-02-02", "new", 52.0),
    ("C", "2026-02-03", "new", 30.0),
    ("A", "2026-02-15", "expansion", 20.0),
    ("E", "2026-03-01", "churn", -52.0),
    ("D", "2026-03-10", "reactivation", 30.0),
    ("B", "2026-03-31", "churn", -100.0),
    ("E", "2026-04-06", "reactivation", 52.0),
    ("A", "2026-04-10", "contraction", -20.0),
]
BRIDGE = [
    (JAN, 0.0, 130.0, 0.0, 0.0, 0.0, 0.0, 130.0, 2),
    (FEB, 130.0, 82.0, 20.0, 0.0, 0.0, 0.0, 232.0, 4),
    (MAR, 232.0, 0.0, 0.0, 30.0, 0.0, 152.0, 110.0, 3),
    (APR, 110.0, 0.0, 0.0, 52.0, 20.0, 0.0, 142.0, 4),
]


@tagged("post_install", "-at_install")
class TestMrrWorkedExample(MrrCommon):
    """The worked example of doc/METRICS.md, played through the subscriptions' lifecycle."""

    def test_movements_of_the_worked_example(self):
        subs = self._play_worked_example()
        self.assertEqual(self._movement_rows(subs), MOVEMENTS)

    def test_month_bridge_of_the_worked_example(self):
        self._play_worked_example()
        self.assertEqual(self._bridge_rows(self._metrics()), BRIDGE)

    def test_rates_of_the_worked_example(self):
        self._play_worked_example()
        metrics = self._metrics((FEB, MAR, APR))
        percent = ("customer_churn", "gross_mrr_churn", "net_mrr_churn", "nrr", "grr")
        self.assertEqual(
            [tuple(round(m[name] * 100, 2) for name in percent) for m in metrics],
            [
                (0.0, 0.0, -15.38, 115.38, 100.0),
                (50.0, 65.52, 52.59, 34.48, 34.48),
                (0.0, 18.18, -29.09, 81.82, 81.82),
            ],
        )
        self.assertTrue(all(metrics.mapped("has_customers_start")))
        self.assertEqual(metrics.mapped("has_quick_ratio"), [False, True, True])
        self.assertEqual(
            [round(q, 2) for q in metrics[1:].mapped("quick_ratio")], [0.2, 2.6]
        )
        self.assertEqual(
            [round(arpa, 2) for arpa in metrics.mapped("arpa")], [58.0, 36.67, 35.5]
        )
        self.assertEqual(metrics.mapped("arr"), [2784.0, 1320.0, 1704.0])
        self.assertEqual(metrics.mapped("has_ltv"), [False, True, False])
        self.assertEqual(round(metrics[1].ltv, 2), 73.33)

    def test_undefined_rates_are_empty_not_zero(self):
        self._play_worked_example()
        january, february = self._metrics((JAN, FEB))
        self.assertFalse(january.has_customers_start)
        rates = ["customer_churn", "quick_ratio", "ltv"]
        groups = self.env["mrr.metric"]._read_group(
            [("id", "in", (january | february).ids)],
            ["month:month"],
            [f"{name}:array_agg" for name in rates],
            order="month:month",
        )
        self.assertEqual(
            [values for _month, *values in groups],
            [[[None], [None], [None]], [[0.0], [None], [None]]],
        )

    def test_cohorts_of_the_worked_example(self):
        self._play_worked_example()
        cells = self.env["mrr.cohort"].search(
            [("company_id", "=", self.env.company.id), ("month", "<=", APR)],
            order="cohort_month, months_since_start",
        )
        retention = {}
        for cell in cells:
            retention.setdefault(cell.cohort_month, []).append(
                (cell.months_since_start, cell.cohort_size, cell.customer_retention)
            )
        self.assertEqual(
            retention,
            {
                JAN: [(0, 2, 1.0), (1, 2, 1.0), (2, 2, 0.5), (3, 2, 0.5)],
                FEB: [(0, 2, 1.0), (1, 2, 0.5), (2, 2, 1.0)],
                MAR: [(0, 1, 1.0), (1, 1, 1.0)],
            },
        )

    def test_free_to_paid_counted_as_new_with_the_setting(self):
        self.env.company.sudo().mrr_free_to_paid = "new"
        subs = self._play_worked_example()
        expected = [
            ("D", "2026-03-10", "new", 30.0) if row[0] == "D" else row
            for row in MOVEMENTS
        ]
        self.assertEqual(self._movement_rows(subs), expected)
        march = self._metrics((MAR,))
        self.assertEqual(
            (march.new, march.reactivation, march.churn, march.mrr_end),
            (30.0, 0.0, 152.0, 110.0),
        )
        # Net MRR churn without the reactivation: 152 / 232 = 65.52 % (52.59 % by
        # default); NRR stays 80 / 232 = 34.48 %: D paid nothing on March 1st.
        self.assertEqual(
            (round(march.net_mrr_churn * 100, 2), round(march.nrr * 100, 2)),
            (65.52, 34.48),
        )

    def test_switching_the_setting_reclassifies_past_movements(self):
        subs = self._play_worked_example()
        settings = self.env["res.config.settings"].sudo().create({})
        self.assertEqual(settings.mrr_free_to_paid, "reactivation")
        settings.mrr_free_to_paid = "new"
        settings.execute()
        self.assertEqual(self.env.company.mrr_free_to_paid, "new")
        self.assertIn(("D", "2026-03-10", "new", 30.0), self._movement_rows(subs))
        bridge = self._bridge_rows(self._metrics())
        self.assertEqual(bridge[2], (MAR, 232.0, 30.0, 0.0, 0.0, 0.0, 152.0, 110.0, 3))
