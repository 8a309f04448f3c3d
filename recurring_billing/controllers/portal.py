"""The customer portal of subscriptions: the list, the page of one subscription.

Portal users read their own subscriptions through the record rules (their commercial
partner's); a link sent by e-mail carries an access token instead. The self-service
steps are in ``portal_actions.py``.
"""

from collections import OrderedDict

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# A draft is a quotation of the back office, not yet the customer's subscription.
PORTAL_STATES = ("trial", "active", "paused", "cancelled")


class SubscriptionPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "subscription_count" in counters:
            subscriptions = request.env["recurring.subscription"]
            values["subscription_count"] = (
                subscriptions.search_count(self._subscriptions_domain())
                if subscriptions.has_access("read")
                else 0
            )
        return values

    def _subscriptions_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [
            ("commercial_partner_id", "=", partner.id),
            ("state", "in", PORTAL_STATES),
        ]

    def _subscription_searchbar_sortings(self):
        _ = request.env._
        return {
            "date": {"label": _("Start Date"), "order": "date_start desc, id desc"},
            "next": {"label": _("Next Invoice"), "order": "date_next_invoice, id"},
            "name": {"label": _("Reference"), "order": "name desc"},
            "state": {"label": _("Status"), "order": "state, id desc"},
        }

    def _subscription_searchbar_filters(self):
        _ = request.env._
        return {
            "all": {"label": _("All"), "domain": []},
            "active": {
                "label": _("Active"),
                "domain": [("state", "in", ("trial", "active"))],
            },
            "paused": {"label": _("Paused"), "domain": [("state", "=", "paused")]},
            "cancelled": {
                "label": _("Cancelled"),
                "domain": [("state", "=", "cancelled")],
            },
        }

    @http.route(
        ["/my/subscriptions", "/my/subscriptions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_subscriptions(self, page=1, sortby=None, filterby=None, **kw):
        subscriptions = request.env["recurring.subscription"]
        sortings = self._subscription_searchbar_sortings()
        filters = self._subscription_searchbar_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._subscriptions_domain() + filters[filterby]["domain"]
        readable = subscriptions.has_access("read")
        pager = portal_pager(
            url="/my/subscriptions",
            url_args={"sortby": sortby, "filterby": filterby},
            total=subscriptions.search_count(domain) if readable else 0,
            page=page,
            step=self._items_per_page,
        )
        records = (
            subscriptions.search(
                domain,
                order=sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
            if readable
            else subscriptions
        )
        request.session["my_subscriptions_history"] = records.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # Amounts are computed from taxes, which portal users do not read.
                "subscriptions": records.sudo(),
                "page_name": "subscription",
                "pager": pager,
                "default_url": "/my/subscriptions",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": OrderedDict(filters.items()),
                "filterby": filterby,
            }
        )
        return request.render("recurring_billing.portal_my_subscriptions", values)

    def _subscription_check_access(self, subscription_id, access_token=None):
        """The subscription, as superuser, if the visitor may see it: its customer
        (record rules) or the holder of its access token. Anyone else gets the same
        404 as for a subscription that does not exist: nothing is revealed."""
        try:
            sub_sudo = self._document_check_access(
                "recurring.subscription", subscription_id, access_token
            )
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if sub_sudo.state not in PORTAL_STATES:
            raise NotFound()
        return sub_sudo

    @http.route(
        ["/my/subscriptions/<int:subscription_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_subscription(
        self, subscription_id, access_token=None, message=None, **kw
    ):
        sub_sudo = self._subscription_check_access(subscription_id, access_token)
        return self._subscription_page(sub_sudo, access_token, message=message)

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/summary"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_subscription_summary(
        self, subscription_id, access_token=None, download=None, **kw
    ):
        """The summary of the subscription as a PDF, to whoever may see its page."""
        sub_sudo = self._subscription_check_access(subscription_id, access_token)
        return self._show_report(
            sub_sudo,
            "pdf",
            "recurring_billing.recurring_subscription_summary_report_action",
            download=download == "true",
        )

    def _subscription_page(self, sub_sudo, access_token=None, **kw):
        """The page of ``sub_sudo``, with ``message`` (the key of a step done) or
        ``error`` (why a step was refused) shown at the top."""
        messages = self._subscription_step_messages()
        values = {
            "page_name": "subscription",
            "subscription": sub_sudo,
            "invoices": sub_sudo.invoice_ids.filtered(
                lambda move: move.state == "posted"
            ).sorted(lambda move: (move.invoice_date, move.id), reverse=True),
            "done_message": messages.get(kw.get("message")),
            "error_message": kw.get("error"),
            "self_service": self._self_service(sub_sudo),
            "masked_iban": sub_sudo.mandate_id._masked_iban(),
            "cancel_reasons": request.env["recurring.cancel.reason"].sudo().search([]),
            # The portal chatter posts with the token, like the invoice page.
            "token": sub_sudo._portal_ensure_token(),
        }
        values = self._get_page_view_values(
            sub_sudo, access_token, values, "my_subscriptions_history", False
        )
        return request.render("recurring_billing.portal_subscription_page", values)

    def _subscription_step_messages(self):
        _ = request.env._
        return {
            "plan": _("Your plan was changed."),
            "plan_later": _("Your change of plan is scheduled."),
            "addons": _("Your add-ons were changed."),
            "pause": _("Your subscription is paused."),
            "cancel": _("Your subscription will end at the end of the current period."),
            "cancel_next": _(
                "Your subscription will end at the end of the next period: the notice "
                "period of your plan had started for the current one."
            ),
            "mandate": _(
                "Your mandate is signed: your invoices are paid by direct debit."
            ),
            "keep": _("Your subscription continues: the cancellation is undone."),
            "revoke": _(
                "Your mandate is revoked: nothing more is debited from your account, "
                "but a debit already sent to the bank is. Pay your next invoices by "
                "hand or sign a new mandate."
            ),
            "account": _(
                "Your bank account is changed: your next direct debits are taken "
                "from it. We sent you a confirmation by e-mail."
            ),
        }

    def _self_service(self, sub_sudo):
        """What the customer may do on ``sub_sudo`` now, as its plan allows: {step:
        bool} and the plans offered ("plans")."""
        plan = sub_sudo.plan_id
        live = sub_sudo.state in ("trial", "active") and not (
            sub_sudo.cancel_at_period_end
        )
        plans = self._plans_offered(sub_sudo) if live else plan.browse()
        mandate_valid = self._mandate_valid(sub_sudo)
        steps = {
            "plans": plans,
            "change_plan": bool(plans),
            "addons": live
            and plan.portal_allow_change_quantities
            and bool(plan.addon_ids),
            "pause": sub_sudo.state == "active"
            and plan.portal_allow_pause
            and not sub_sudo.cancel_at_period_end,
            "cancel": sub_sudo.state == "active"
            and plan.portal_allow_cancel
            and not sub_sudo.cancel_at_period_end,
            "keep": sub_sudo.state == "active"
            and plan.portal_allow_cancel
            and sub_sudo.cancel_at_period_end,
            "mandate": not sub_sudo.mandate_id and self._mandate_signable(sub_sudo),
            "account": mandate_valid,
            "revoke": mandate_valid,
        }
        if request.env.user._is_public():
            # A visitor with the link of the page reads it; steps need a login.
            steps = dict.fromkeys(steps, False) | {"plans": plans.browse()}
        return steps

    def _mandate_valid(self, sub_sudo):
        return (
            sub_sudo.state in ("trial", "active", "paused")
            and sub_sudo.payment_method == "sepa"
            and sub_sudo.mandate_id.state == "valid"
        )

    def _mandate_signable(self, sub_sudo):
        try:
            sub_sudo._check_mandate_signable()
        except UserError:
            return False
        return True

    def _plans_offered(self, sub_sudo):
        """Plans the customer may move to: the plan allows it, the other plan too, in
        the same company and on the same periods (a change of periods restarts them,
        which is the back office's to decide)."""
        if not sub_sudo.plan_id.portal_allow_change_plan:
            return sub_sudo.plan_id.browse()
        plans = sub_sudo.plan_id.search(
            [
                ("company_id", "=", sub_sudo.company_id.id),
                ("portal_allow_change_plan", "=", True),
                ("id", "!=", sub_sudo.plan_id.id),
            ]
        )
        return plans.filtered(lambda plan: not sub_sudo._changes_periods(plan))
