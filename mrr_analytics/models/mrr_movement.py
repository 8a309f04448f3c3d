import logging
from collections import defaultdict
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..engine.movements import Change, compute_movements, first_of_month
from .report_table import (
    ensure_report_table,
    read_from_totals,
    rebuild_settings,
    rows_differing,
)

_logger = logging.getLogger(__name__)

# In the order of the month bridge: growth, then loss. Reports list them so.
MOVEMENT_TYPES = [
    ("new", "New"),
    ("expansion", "Expansion"),
    ("reactivation", "Reactivation"),
    ("contraction", "Contraction"),
    ("churn", "Churn"),
]
ANALYTICS_GROUPS = (
    "recurring_billing.group_manager",
    "account.group_account_manager",
)
COMPARED_COLUMNS = (
    "company_id",
    "partner_id",
    "date",
    "month",
    "movement_type",
    "amount",
    "mrr_before",
    "mrr_after",
    "currency_id",
    "plan_id",
    "user_id",
    "country_id",
    "is_involuntary",
)


class MrrMovement(models.Model):
    _name = "mrr.movement"
    _description = "MRR Movement"
    _order = "date desc, id desc"
    _rec_name = "movement_type"
    _check_company_auto = True
    _auto = False

    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        readonly=True,
        index=True,
        help="Commercial partner whose MRR moved.",
    )
    date = fields.Date(required=True, readonly=True, index=True)
    month = fields.Date(
        required=True, readonly=True, index=True, help="First day of the month."
    )
    movement_type = fields.Selection(
        MOVEMENT_TYPES, "Movement", required=True, readonly=True, index=True
    )
    amount = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="MRR after minus MRR before: negative for contraction and churn.",
    )
    mrr_before = fields.Monetary(
        "MRR Before", readonly=True, currency_field="currency_id", aggregator=None
    )
    mrr_after = fields.Monetary(
        "MRR After", readonly=True, currency_field="currency_id", aggregator=None
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", "Company Currency", required=True, readonly=True
    )
    plan_id = fields.Many2one(
        "recurring.plan",
        readonly=True,
        check_company=True,
        help="Plan of the customer's last change of the day.",
    )
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        readonly=True,
        help="Salesperson of the subscription of the customer's last change of the day.",
    )
    country_id = fields.Many2one("res.country", readonly=True)
    is_involuntary = fields.Boolean(
        "Involuntary",
        readonly=True,
        help="A loss the customer did not choose: a suspension for non-payment or a "
        "cancellation for a reason marked involuntary.",
    )

    def init(self):
        constraints = (
            # A customer's changes of one day net into one movement.
            "UNIQUE (company_id, partner_id, date)",
            "CHECK (amount <> 0 AND amount = mrr_after - mrr_before)",
        )
        # The cohort changes and the totals are derived from the movements: any of
        # the three tables new means all three are written again.
        created = [
            ensure_report_table(self, constraints),
            self.env["mrr.cohort.change"]._ensure_table(),
            self.env["mrr.movement.total"]._ensure_table(),
        ]
        if any(created):
            self._rebuild_movements(self.env["res.company"].search([]))

    # -- Reading ------------------------------------------------------------------------

    @api.model
    @api.readonly
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        # Read-only, as the method it overrides: with a read replica
        # (--db_replica_host), the pivots and graphs of the reports are read there.
        # A graph by month asks for the months without movements to be filled: fill
        # the whole range of the search (up to this month when it has no end), not
        # only the months between the first and the last movement.
        fill = self.env.context.get("fill_temporal")
        specs = [groupby] if isinstance(groupby, str) else list(groupby)
        if fill and specs and specs[0].split(":")[0] in ("date", "month"):
            fill = dict(fill) if isinstance(fill, dict) else {}
            date_from, date_to = self._date_bounds(domain)
            fill.setdefault("fill_from", date_from)
            fill.setdefault("fill_to", date_to)
            self = self.with_context(fill_temporal=fill)
        return super().read_group(
            domain,
            fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        # Pivots and graphs group the movements of every customer by month and
        # type: the totals kept per month and dimension give the same groups from a
        # few rows instead of all of them.
        read = {
            "domain": domain,
            "groupby": groupby,
            "aggregates": aggregates,
            "having": having,
            "offset": offset,
            "limit": limit,
            "order": order,
        }
        groups = read_from_totals(
            self,
            "mrr.movement.total",
            {"__count": "line_count:sum", "amount:sum": "amount:sum"},
            self.env["mrr.movement.total"]._dimensions,
            "mrr_movement_lines",
            read,
        )
        if groups is not None:
            return groups
        return super()._read_group(**read)

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        return super()._read_group_orderby(
            order, self._movement_type_order(groupby_terms), query
        )

    @api.model
    def _movement_type_order(self, groupby_terms):
        """``groupby_terms`` with the movement types sorted in the order of the
        selection (the month bridge), not of their keys: the pivot's columns and the
        graph's series follow it, read from the movements or their totals."""
        if "movement_type" not in groupby_terms:
            return groupby_terms
        return dict(
            groupby_terms,
            movement_type=SQL(
                "array_position(%s::varchar[], %s::varchar)",
                [key for key, _label in MOVEMENT_TYPES],
                groupby_terms["movement_type"],
            ),
        )

    @api.model
    def _date_bounds(self, domain):
        """The first and last day a search domain allows for the movements' dates.

        No first day is False; no last day is today.
        """
        lowers, uppers = [], []
        for leaf in expression.normalize_domain(domain or []):
            if not expression.is_leaf(leaf) or leaf[0] not in ("date", "month"):
                continue
            name, operator, value = leaf
            if not value:
                continue
            day = fields.Date.to_date(value)
            if operator in (">=", ">"):
                lowers.append(day)
            elif operator in ("<=", "<"):
                uppers.append(day)
        return (
            min(lowers) if lowers else False,
            max(uppers) if uppers else fields.Date.context_today(self),
        )

    @api.model
    def _read_group_fill_temporal(self, data, groupby, annoted_aggregates, **fill):
        filled = super()._read_group_fill_temporal(
            data, groupby, annoted_aggregates, **fill
        )
        if len(groupby) < 2:
            return filled
        # A filled month has no value for the second grouping (the movement type):
        # give it a zero of each value shown, so that no blank series appears.
        second = groupby[1]
        values = list(dict.fromkeys(row[second] for row in data if row[second]))
        existing = {id(row) for row in data}
        result = []
        for row in filled:
            if id(row) in existing or not values:
                result.append(row)
            else:
                result.extend(dict(row, **{second: value}) for value in values)
        return result

    # -- Incremental maintenance ----------------------------------------------------------

    @api.model
    def _update_from_events(self, events):
        """Replace the movements of the customers ``events`` touch, from their day on.

        Each customer is replayed through the movement engine with the whole history of
        every subscription it ever had; its movements from the earliest day of
        ``events`` on are deleted and the recomputed ones inserted in one batch.
        """
        Event = self.env["recurring.subscription.event"]
        first_day = {}
        for event in events:
            sub_id = event.subscription_id.id
            first_day[sub_id] = min(first_day.get(sub_id, event.date), event.date)
        # A subscription can move to another customer: every customer it ever had is
        # recomputed from the change on.
        starts = {}
        for sub, company, partner in Event._read_group(
            [("subscription_id", "in", list(first_day))],
            ["subscription_id", "company_id", "partner_id"],
        ):
            key = (company.id, partner.id)
            day = first_day[sub.id]
            starts[key] = min(starts.get(key, day), day)
        subscriptions = [
            sub
            for [sub] in Event._read_group(
                [
                    ("company_id", "in", list({company for company, _p in starts})),
                    ("partner_id", "in", list({partner for _c, partner in starts})),
                ],
                ["subscription_id"],
            )
        ]
        history = Event.search_fetch(
            [("subscription_id", "in", [sub.id for sub in subscriptions])],
            [
                "company_id",
                "partner_id",
                "subscription_id",
                "plan_id",
                "date",
                "mrr_after_company",
                "is_free",
                "is_involuntary",
            ],
            order="date, id",
        )
        vals_list = []
        by_company = defaultdict(list)
        for event in history:
            by_company[event.company_id].append(event)
        for company, company_events in by_company.items():
            vals_list += self._recomputed_vals(company, company_events, starts)
        keys = list(starts)
        self.flush_model()
        # What these customers made of their cohorts and of the totals goes, and
        # comes back from their new movements.
        CohortChange = self.env["mrr.cohort.change"]
        CohortChange._apply_customers(keys, -1)
        Total = self.env["mrr.movement.total"]
        Total._apply_customers(keys, -1)
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM mrr_movement m
                 USING unnest(%s::int[], %s::int[], %s::date[])
                       AS scope(company_id, partner_id, date_from)
                 WHERE m.company_id = scope.company_id
                   AND m.partner_id = scope.partner_id
                   AND m.date >= scope.date_from
                """,
                [company for company, _p in keys],
                [partner for _c, partner in keys],
                [starts[key] for key in keys],
            )
        )
        self.invalidate_model()
        self.create(vals_list)
        self.flush_model()
        CohortChange._apply_customers(keys, 1)
        Total._apply_customers(keys, 1)
        self.env["mrr.snapshot"]._refresh_customers(starts)

    @api.model
    def _recomputed_vals(self, company, events, starts):
        """Values of the movements of ``company``'s customers in ``starts`` from their day.

        ``events`` is the whole history, oldest first, of every subscription those
        customers ever had. A movement is labelled with the plan and salesperson of its
        customer's last change of the day, including a subscription leaving it.
        """
        changes = []
        last_event = {}
        owner = {}
        for event in events:
            sub_id = event.subscription_id.id
            customer = event.partner_id.id
            for partner in {customer, owner.get(sub_id)} - {None}:
                last_event[partner, event.date] = event
            owner[sub_id] = customer
            changes.append(
                Change(
                    customer,
                    sub_id,
                    event.date,
                    Decimal(str(event.mrr_after_company)),
                    event.is_free,
                    event.is_involuntary,
                )
            )
        partners = self.env["res.partner"].browse(
            [partner for company_id, partner in starts if company_id == company.id]
        )
        countries = {partner.id: partner.country_id.id for partner in partners}
        vals_list = []
        for movement in compute_movements(changes, company.mrr_free_to_paid):
            start = starts.get((company.id, movement.customer))
            if start is None or movement.day < start:
                continue
            event = last_event[movement.customer, movement.day]
            vals_list.append(
                {
                    "company_id": company.id,
                    "partner_id": movement.customer,
                    "date": movement.day,
                    "month": first_of_month(movement.day),
                    "movement_type": movement.movement_type,
                    "amount": float(movement.amount),
                    "mrr_before": float(movement.mrr_before),
                    "mrr_after": float(movement.mrr_after),
                    "currency_id": company.currency_id.id,
                    "plan_id": event.plan_id.id,
                    "user_id": event.subscription_id.user_id.id,
                    "country_id": countries[movement.customer],
                    "is_involuntary": movement.involuntary,
                }
            )
        return vals_list

    # -- Full rebuild ------------------------------------------------------------------

    @api.model
    def _movements_query(self, companies):
        """SELECT of every movement of ``companies``, computed from the change log.

        Each change replaces its subscription's state: it adds the new MRR (and
        freemium flag) to its customer and takes the previous state of the subscription
        away from the customer that had it. Those flows are netted per customer and day,
        running sums give the MRR before and after each day, and windows over the
        previous days tell whether the customer had paid before and was on a free plan
        just before, as the movement engine does. Each flow carries what labels the
        movement (its company's currency and setting, its plan and salesperson), so
        that the day's last change gives them without looking rows up again.
        """
        return SQL(
            """
            WITH events AS (
                SELECT e.id, e.company_id, e.partner_id, e.date, e.plan_id,
                       sub.user_id, company.currency_id, company.mrr_free_to_paid,
                       e.mrr_after_company AS mrr,
                       COALESCE(e.is_free, FALSE)::int AS free,
                       COALESCE(e.is_involuntary, FALSE) AS involuntary,
                       LAG(e.company_id) OVER sub AS previous_company_id,
                       LAG(company.currency_id) OVER sub AS previous_currency_id,
                       LAG(company.mrr_free_to_paid) OVER sub
                           AS previous_mrr_free_to_paid,
                       LAG(e.partner_id) OVER sub AS previous_partner_id,
                       LAG(e.mrr_after_company) OVER sub AS previous_mrr,
                       LAG(COALESCE(e.is_free, FALSE)::int) OVER sub AS previous_free
                  FROM recurring_subscription_event e
                  JOIN recurring_subscription sub ON sub.id = e.subscription_id
                  JOIN res_company company ON company.id = e.company_id
                 WHERE e.company_id = ANY(%(company_ids)s::int[])
                WINDOW sub AS (PARTITION BY e.subscription_id ORDER BY e.date, e.id)
            ), flows AS (
                SELECT id, company_id, currency_id, mrr_free_to_paid, partner_id, date,
                       plan_id, user_id, mrr, free, involuntary
                  FROM events
                 UNION ALL
                SELECT id, previous_company_id, previous_currency_id,
                       previous_mrr_free_to_paid, previous_partner_id, date,
                       plan_id, user_id, -previous_mrr, -previous_free, FALSE
                  FROM events
                 WHERE previous_partner_id IS NOT NULL
            ), days AS (
                SELECT company_id, currency_id, mrr_free_to_paid, partner_id, date,
                       SUM(mrr) AS delta, SUM(free) AS free_delta,
                       MAX(ARRAY[id, plan_id, user_id]) AS last_event,
                       BOOL_OR(involuntary) AS involuntary
                  FROM flows
                 GROUP BY company_id, currency_id, mrr_free_to_paid, partner_id, date
            ), running AS (
                SELECT days.*,
                       SUM(delta) OVER customer AS mrr_after,
                       SUM(delta) OVER customer - delta AS mrr_before,
                       SUM(free_delta) OVER customer - free_delta AS free_before
                  FROM days
                WINDOW customer AS (
                    PARTITION BY company_id, partner_id ORDER BY date
                    ROWS UNBOUNDED PRECEDING
                )
            ), classified AS (
                SELECT running.*,
                       COALESCE(BOOL_OR(mrr_after > 0) OVER (
                           PARTITION BY company_id, partner_id ORDER BY date
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                       ), FALSE) AS paid_before
                  FROM running
            )
            SELECT c.company_id, c.partner_id, c.date,
                   date_trunc('month', c.date)::date AS month,
                   CASE
                       WHEN c.mrr_before > 0 AND c.mrr_after = 0 THEN 'churn'
                       WHEN c.mrr_before > 0 AND c.mrr_after > c.mrr_before
                           THEN 'expansion'
                       WHEN c.mrr_before > 0 THEN 'contraction'
                       WHEN c.paid_before THEN 'reactivation'
                       WHEN c.free_before > 0
                            AND c.mrr_free_to_paid = 'reactivation'
                           THEN 'reactivation'
                       ELSE 'new'
                   END AS movement_type,
                   c.delta AS amount, c.mrr_before, c.mrr_after,
                   c.currency_id, c.last_event[2] AS plan_id,
                   c.last_event[3] AS user_id, partner.country_id,
                   c.involuntary AND c.delta < 0 AS is_involuntary
              FROM classified c
              JOIN res_partner partner ON partner.id = c.partner_id
             WHERE c.delta <> 0
            """,
            company_ids=companies.ids,
        )

    @api.model
    def _rebuild_movements(self, companies):
        """Replace the movements of ``companies`` by those computed in one INSERT … SELECT."""
        self.env.flush_all()
        cr = self.env.cr
        columns = SQL(", ").join(SQL.identifier(name) for name in COMPARED_COLUMNS)
        with rebuild_settings(cr):
            cr.execute(
                SQL(
                    "DELETE FROM mrr_movement WHERE company_id = ANY(%s::int[])",
                    companies.ids,
                )
            )
            cr.execute(
                SQL(
                    """
                    INSERT INTO mrr_movement (%(columns)s)
                    SELECT %(columns)s FROM (%(query)s) AS rebuilt
                    """,
                    columns=columns,
                    query=self._movements_query(companies),
                )
            )
            # Fresh statistics of the columns customer updates look rows up by, so
            # that they use the indexes; the others are left to autovacuum, which
            # analyzes a table after so many rows changed.
            cr.execute(SQL("ANALYZE mrr_movement (company_id, partner_id, date)"))
            self.invalidate_model()
            self.env["mrr.cohort.change"]._rebuild(companies)
            self.env["mrr.movement.total"]._rebuild(companies)

    @api.model
    def _rebuild(self, companies):
        """Rebuild the movements, cohort changes and monthly snapshots of
        ``companies``."""
        self._rebuild_movements(companies)
        self.env["mrr.snapshot"]._rebuild(companies)

    @api.model
    def _compare_with_rebuild(self, companies):
        """Return the stored movements a rebuild would not produce, and the reverse.

        Both lists are empty when the incrementally maintained movements of
        ``companies`` are exactly those of a full rebuild.
        """
        self.env.flush_all()
        return rows_differing(
            self.env.cr,
            self._table,
            COMPARED_COLUMNS,
            companies.ids,
            self._movements_query(companies),
        )

    # -- Actions -----------------------------------------------------------------------

    @api.model
    def action_rebuild(self, companies=None):
        """Rebuild the MRR analytics of ``companies`` (the allowed companies by default)."""
        if not any(self.env.user.has_group(group) for group in ANALYTICS_GROUPS):
            raise AccessError(
                self.env._(
                    "Only subscription managers and accounting managers can rebuild "
                    "the MRR analytics."
                )
            )
        companies = companies or self.env.companies
        # The report tables are read-only for everyone: their rows are written here.
        self.sudo()._rebuild(companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "MRR analytics rebuilt for %(companies)s.",
                    companies=", ".join(companies.mapped("name")),
                ),
            },
        }

    @api.model
    def _cron_rebuild(self):
        """Daily: rebuild each company's analytics, one savepoint per company."""
        companies = self.env["res.company"].search([])
        for done, company in enumerate(companies, start=1):
            try:
                with self.env.cr.savepoint():
                    self._rebuild(company)
            except (UserError, psycopg2.Error):
                _logger.exception("MRR analytics of %s not rebuilt", company.name)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=len(companies) - done
            )
