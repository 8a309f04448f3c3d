"""Keeping the movements up to date change by change."""

from collections import defaultdict
from decimal import Decimal

from odoo import api, models
from odoo.tools import SQL

from ..engine.movements import Change, compute_movements, first_of_month


class MrrMovement(models.Model):
    _inherit = "mrr.movement"

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
