"""The SEPA Direct Debit mandate a customer signs on the portal, the account they
move its debits to, its revocation.

The signing page shows the mandate text (creditor, creditor identifier, mandate
reference, CORE scheme) with the reference the mandate will have; the form sends it
back signed, so that the reference signed is the one created and cannot be chosen.
"""

from odoo import http
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac

from .portal_actions import SubscriptionPortalActions


class SubscriptionPortalMandate(SubscriptionPortalActions):
    def _umr_signature(self, sub_sudo, umr):
        return hmac(
            request.env(su=True), "recurring_billing-mandate-umr", (sub_sudo.id, umr)
        )

    def _mandate_page(self, sub_sudo, umr=None, error=None, values=None):
        """The signing page, with a new mandate reference unless ``umr`` is given."""
        umr = umr or request.env["ir.sequence"].sudo().with_company(
            sub_sudo.company_id
        ).next_by_code("sepa.mandate")
        page = self._prepare_portal_layout_values()
        page.update(
            {
                "page_name": "subscription",
                "subscription": sub_sudo,
                "company": sub_sudo.company_id,
                "umr": umr,
                "umr_signature": self._umr_signature(sub_sudo, umr),
                "mandate_text": request.env._(
                    "By signing this mandate form, you authorise (A) %(creditor)s to "
                    "send instructions to your bank to debit your account and (B) your "
                    "bank to debit your account in accordance with the instructions "
                    "from %(creditor)s. As part of your rights, you are entitled to a "
                    "refund from your bank under the terms and conditions of your "
                    "agreement with your bank. A refund must be claimed within 8 weeks "
                    "starting from the date on which your account was debited. Your "
                    "rights are explained in a statement that you can obtain from "
                    "your bank.",
                    creditor=sub_sudo.company_id.name,
                ),
                "error_message": error,
                "form": values or {},
            }
        )
        return request.render("recurring_billing.portal_subscription_mandate", page)

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/mandate"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_subscription_mandate_form(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "mandate")
        return self._mandate_page(sub_sudo)

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/mandate"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_mandate(
        self,
        subscription_id,
        umr=None,
        umr_signature=None,
        holder=None,
        iban=None,
        accept=None,
        **kw,
    ):
        sub_sudo = self._subscription_for_step(subscription_id, "mandate")
        if not umr or not consteq(
            self._umr_signature(sub_sudo, umr), umr_signature or ""
        ):
            # A reference the page did not give: start again with a new one.
            return self._mandate_page(
                sub_sudo,
                error=request.env._(
                    "The form expired: read the mandate and sign again."
                ),
            )
        holder = (holder or "").strip()
        values = {"holder": holder, "iban": iban or ""}
        if accept != "on":
            error = request.env._(
                "Tick the box to accept the mandate: without it nothing is signed."
            )
            return self._mandate_page(sub_sudo, umr, error, values)
        request_http = request.httprequest
        return self._do_step(
            sub_sudo,
            lambda: sub_sudo.action_sign_mandate(
                holder,
                iban,
                umr=umr,
                ip_address=request_http.remote_addr,
                user_agent=request_http.user_agent.string,
            ),
            lambda: (
                request.env._(
                    "SEPA Direct Debit mandate %(umr)s signed online by the customer.",
                    umr=umr,
                ),
                "mandate",
            ),
            refused=lambda message: self._mandate_page(sub_sudo, umr, message, values),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/account"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_account(
        self, subscription_id, holder=None, iban=None, bic=None, **kw
    ):
        sub_sudo = self._subscription_for_step(subscription_id, "account")
        mandate = sub_sudo.mandate_id
        return self._do_step(
            sub_sudo,
            lambda: mandate.action_change_account(holder, iban, bic),
            lambda: (
                request.env._(
                    "Bank account of mandate %(umr)s changed by the customer to "
                    "%(iban)s.",
                    umr=mandate.name,
                    iban=mandate._masked_iban(),
                ),
                "account",
            ),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/revoke"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_revoke(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "revoke")
        mandate = sub_sudo.mandate_id
        body = request.env._(
            "SEPA Direct Debit mandate %(umr)s revoked by the customer.",
            umr=mandate.name,
        )

        def revoke():
            mandate.action_revoke()
            mandate.message_post(body=body, message_type="comment")

        return self._do_step(sub_sudo, revoke, lambda: (body, "revoke"))
