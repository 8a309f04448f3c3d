"""Self-service steps of the customer portal: change of plan or add-ons with the
prorated amount shown first, pause, cancel at period end, undo the cancellation.

Every step is a POST (Odoo checks its CSRF token) by the logged-in customer of the
subscription, allowed by its plan; a visitor holding the link of the page (its access
token) reads it but is refused every step (403). Input is checked here, then the step calls the
model method the back-office buttons call, so the checks, the change log, the MRR
movement, the invoices and the e-mails are the same. A refused step writes nothing.
"""

from markupsafe import Markup
from werkzeug.exceptions import Forbidden, NotFound

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date

from .portal import SubscriptionPortal

COMMENT_MAX_LENGTH = 1000


class SubscriptionPortalActions(SubscriptionPortal):
    def _subscription_for_step(self, subscription_id, step):
        """The subscription of the logged-in customer for ``step`` (a key of
        ``_self_service``), as superuser: 403 to a visitor without login (one with
        the link of the page may read it, not change it), 404 if it is not theirs,
        403 if its plan or its state does not allow the step."""
        if request.env.user._is_public():
            raise Forbidden()
        subscription = request.env["recurring.subscription"].browse(subscription_id)
        partner = request.env.user.partner_id.commercial_partner_id
        # The record rules decide what the user reads; the commercial partner check
        # keeps internal users to their own subscriptions too.
        readable = subscription.exists() and subscription.has_access("read")
        if not readable or subscription.commercial_partner_id != partner:
            raise NotFound()
        # Portal users only read subscriptions: once the checks above and the plan's
        # permission pass, the step is written by the system.
        sub_sudo = subscription.sudo()
        if not self._self_service(sub_sudo)[step]:
            raise Forbidden()
        return sub_sudo

    def _do_step(self, sub_sudo, step, outcome, refused=None):
        """Run ``step``, then post in the chatter the message of ``outcome()``, which
        says what was done and returns (message, key of the page's notice). If the
        model refuses the step, nothing is written and the page shows why (or
        ``refused(message)`` renders the page that does)."""
        try:
            with request.env.cr.savepoint():
                step()
                body, key = outcome()
                sub_sudo.message_post(
                    body=body,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
                # Written by the system: flushed by it too, not by the savepoint in
                # the customer's environment, which may not read what the step
                # changed (a batch losing the debits of a revoked mandate).
                sub_sudo.env.flush_all()
        except (UserError, ValidationError) as error:
            if refused:
                return refused(error.args[0])
            return self._subscription_page(sub_sudo, error=error.args[0])
        return request.redirect(f"{sub_sudo.access_url}?message={key}")

    # -- Change of plan ----------------------------------------------------------------

    def _plan_argument(self, sub_sudo, plan_id):
        """The plan chosen among those offered, or an error message."""
        plans = self._self_service(sub_sudo)["plans"]
        plan = plans.filtered(lambda plan: str(plan.id) == str(plan_id))
        if not plan:
            return plan, request.env._(
                "Choose one of the plans offered on the page of your subscription."
            )
        return plan, None

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/plan"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_subscription_plan_preview(self, subscription_id, plan_id=None, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "change_plan")
        plan, error = self._plan_argument(sub_sudo, plan_id)
        if error:
            return self._subscription_page(sub_sudo, error=error)
        return self._change_page(
            sub_sudo,
            sub_sudo._change_plan_preview(plan),
            f"{sub_sudo.access_url}/plan",
            {"plan_id": plan.id},
            request.env._(
                "From %(old)s to %(new)s", old=sub_sudo.plan_id.name, new=plan.name
            ),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/plan"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_plan(self, subscription_id, plan_id=None, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "change_plan")
        plan, error = self._plan_argument(sub_sudo, plan_id)
        if error:
            return self._subscription_page(sub_sudo, error=error)
        old_plan = sub_sudo.plan_id

        def outcome():
            if sub_sudo.pending_plan_id == plan:
                body = request.env._(
                    "Change from %(old)s to %(new)s on %(date)s, scheduled by the "
                    "customer.",
                    old=old_plan.name,
                    new=plan.name,
                    date=fields.Date.to_string(sub_sudo.date_pending_change),
                )
                return body, "plan_later"
            body = request.env._(
                "Plan changed from %(old)s to %(new)s by the customer.",
                old=old_plan.name,
                new=plan.name,
            )
            return body, "plan"

        return self._do_step(
            sub_sudo, lambda: sub_sudo.action_change_plan(plan), outcome
        )

    # -- Add-on quantities -------------------------------------------------------------

    def _quantities_argument(self, sub_sudo, kw):
        """{addon: quantity} from the ``addon_<id>`` fields, or an error message: a
        whole number from 0 to the package's maximum."""
        quantities = {}
        for addon in sub_sudo.plan_id.addon_ids:
            value = kw.get(f"addon_{addon.id}")
            if value is None:
                continue
            try:
                quantity = int(str(value).strip())
            except ValueError:
                quantity = -1
            if not 0 <= quantity <= addon.max_quantity:
                return {}, request.env._(
                    "%(package)s: enter a whole number from 0 to %(max)s.",
                    package=addon.name or addon.product_id.display_name,
                    max=addon.max_quantity,
                )
            quantities[addon] = quantity
        current = {
            addon: sum(
                sub_sudo.line_ids.filtered(
                    lambda line, a=addon: line.addon_id == a
                ).mapped("quantity")
            )
            for addon in quantities
        }
        if all(quantities[addon] == current[addon] for addon in quantities):
            return {}, request.env._(
                "These are already your quantities: change at least one of them."
            )
        return quantities, None

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/addons"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_subscription_addons_preview(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "addons")
        quantities, error = self._quantities_argument(sub_sudo, kw)
        if error:
            return self._subscription_page(sub_sudo, error=error)
        return self._change_page(
            sub_sudo,
            sub_sudo._addon_quantities_preview(quantities),
            f"{sub_sudo.access_url}/addons",
            {f"addon_{addon.id}": qty for addon, qty in quantities.items()},
            self._quantities_text(quantities),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/addons"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_addons(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "addons")
        quantities, error = self._quantities_argument(sub_sudo, kw)
        if error:
            return self._subscription_page(sub_sudo, error=error)
        body = request.env._(
            "Add-ons changed by the customer: %(changes)s.",
            changes=self._quantities_text(quantities),
        )
        return self._do_step(
            sub_sudo,
            lambda: sub_sudo.action_set_addon_quantities(quantities),
            lambda: (body, "addons"),
        )

    def _quantities_text(self, quantities):
        return ", ".join(
            f"{addon.name or addon.product_id.display_name} × {quantity:g}"
            for addon, quantity in quantities.items()
        )

    def _change_page(self, sub_sudo, preview, action, fields_kept, summary):
        """The confirmation page of a change: what it bills now (the preview), what
        waits for the next period, and the form that confirms it."""
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subscription",
                "subscription": sub_sudo,
                "preview": preview,
                "action": action,
                "fields_kept": fields_kept,
                "summary": summary,
                "later_text": self._later_text(preview),
            }
        )
        return request.render("recurring_billing.portal_subscription_change", values)

    def _later_text(self, preview):
        """What of the change waits for the next period, as a sentence."""
        if not preview["date_later"]:
            return False
        day = format_date(request.env, preview["date_later"])
        if preview["lines"]:
            return request.env._(
                "The lower quantities apply from %(date)s, the start of the next "
                "period: nothing is invoiced for them now.",
                date=day,
            )
        return request.env._(
            "The change applies from %(date)s, the start of the next period: "
            "nothing is invoiced for it now.",
            date=day,
        )

    # -- Pause, cancel, undo the cancellation ---------------------------------------------

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/pause"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_pause(self, subscription_id, date_resume=None, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "pause")
        date_resume = (date_resume or "").strip() or None
        if date_resume:
            body = request.env._(
                "Paused by the customer until %(date)s.", date=date_resume
            )
        else:
            body = request.env._("Paused by the customer.")
        return self._do_step(
            sub_sudo,
            lambda: sub_sudo.action_pause(date_resume),
            lambda: (body, "pause"),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/cancel"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_cancel(
        self, subscription_id, reason_id=None, comment=None, **kw
    ):
        sub_sudo = self._subscription_for_step(subscription_id, "cancel")
        reasons = request.env["recurring.cancel.reason"].sudo().search([])
        reason = reasons.filtered(lambda reason: str(reason.id) == str(reason_id))
        comment = (comment or "").strip()
        if not reason:
            error = request.env._("Choose the reason why you cancel in the list.")
            return self._subscription_page(sub_sudo, error=error)
        if len(comment) > COMMENT_MAX_LENGTH:
            error = request.env._(
                "Your comment is %(length)s characters long: shorten it to "
                "%(max)s characters.",
                length=len(comment),
                max=COMMENT_MAX_LENGTH,
            )
            return self._subscription_page(sub_sudo, error=error)
        body = request.env._(
            "Cancellation at the end of the period requested by the customer. "
            "Reason: %(reason)s.",
            reason=reason.name,
        )
        if comment:
            body = Markup("%s<br/>%s") % (body, comment)
        period_end = sub_sudo.date_period_end

        def outcome():
            # The plan's notice period may carry the end to the next period.
            return body, "cancel" if sub_sudo.date_end == period_end else "cancel_next"

        return self._do_step(
            sub_sudo,
            lambda: sub_sudo.action_cancel(reason=reason, at_period_end=True),
            outcome,
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/keep"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_keep(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "keep")
        return self._do_step(
            sub_sudo,
            sub_sudo.action_revoke_cancel,
            lambda: (request.env._("Cancellation undone by the customer."), "keep"),
        )
