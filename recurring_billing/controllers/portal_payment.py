"""Paying a subscription automatically with a saved payment method, from the portal.

The customer picks one of their saved payment methods that may pay the subscription,
or saves a new one through Odoo's payment form in validation mode: the validation
transaction names the subscription (``recurring_subscription_id``) and, once the
provider confirms it, its post-processing sets the new token on the subscription. A
card saved while paying one of its invoices is offered, never set without the
customer's click. Every door calls ``action_set_payment_token`` or
``action_remove_payment_token``, with the back office's checks (doc/BILLING.md).
"""

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..models.recurring_subscription import LIVE_STATES
from .portal_mandate import SubscriptionPortalMandate


class SubscriptionPortalPayment(SubscriptionPortalMandate, PortalAccount):
    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        """The invoice page offers the card saved by paying it to its subscription's
        automatic payment, to the subscription's customer."""
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        sub_sudo = invoice.sudo().subscription_id
        partner = request.env.user.partner_id.commercial_partner_id
        if sub_sudo and sub_sudo.commercial_partner_id == partner:
            steps = self._self_service(sub_sudo)
            if steps["payment_token"] and steps["offered_token"]:
                values["recurring_token_offer"] = (sub_sudo, steps["offered_token"])
        return values

    def _self_service(self, sub_sudo):
        steps = super()._self_service(sub_sudo)
        plan = sub_sudo.plan_id
        live = sub_sudo.state in LIVE_STATES and not request.env.user._is_public()
        steps["payment_token"] = live
        steps["remove_token"] = (
            live
            and sub_sudo.payment_method == "token"
            and plan.portal_allow_manual_payment
            # Such a trial converts only with a payment method other than manual.
            and not (sub_sudo.state == "trial" and plan.trial_requires_payment_method)
        )
        steps["offered_token"] = (
            sub_sudo._payment_token_offered()
            if live
            else sub_sudo.payment_token_id.browse()
        )
        return steps

    def _subscription_step_messages(self):
        _ = request.env._
        return super()._subscription_step_messages() | {
            "token": _(
                "Your saved payment method pays this subscription: your next "
                "invoices are charged to it automatically."
            ),
            "token_pending": _(
                "Your payment method is being confirmed by the payment provider: it "
                "pays this subscription as soon as it is confirmed."
            ),
            "token_removed": _(
                "Your invoices are no longer charged automatically: pay each of them "
                "by transfer or online when you receive it."
            ),
        }

    def _token_providers(self, sub_sudo):
        """The providers a payment method may be saved with for the subscription:
        its company's, accepting its currency, that save payment methods."""
        # sudo: provider settings are the administrator's; the customer only sees
        # which ones they may use, as on Odoo's own payment pages.
        return (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                sub_sudo.company_id.id,
                request.env.user.partner_id.id,
                0.0,
                currency_id=sub_sudo.currency_id.id,
                force_tokenization=True,
                is_validation=True,
            )
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_method"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_subscription_payment_method(self, subscription_id, **kw):
        """Odoo's payment form in validation mode: the customer's saved payment
        methods that may pay the subscription, to pick, and the providers to save a
        new one with."""
        sub_sudo = self._subscription_for_step(subscription_id, "payment_token")
        partner = request.env.user.partner_id
        providers_sudo = self._token_providers(sub_sudo)
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner.id,
                currency_id=sub_sudo.currency_id.id,
                force_tokenization=True,
            )
        )
        url = sub_sudo.access_url
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subscription",
                "subscription": sub_sudo,
                # The payment form's parameters (payment.form).
                "mode": "validation",
                "allow_token_selection": True,
                "allow_token_deletion": False,
                "default_token_id": sub_sudo.payment_token_id.id,
                "reference_prefix": f"{sub_sudo.name}-V",
                "partner_id": partner.id,
                "providers_sudo": providers_sudo,
                "payment_methods_sudo": payment_methods_sudo,
                "tokens_sudo": sub_sudo.payment_token_allowed_ids,
                "transaction_route": f"{url}/payment_method/transaction",
                "assign_token_route": f"{url}/payment_method/assign",
                "landing_route": f"{url}/payment_method/saved",
                "submit_button_label": request.env._("Pay automatically with it"),
            }
        )
        return request.render(
            "recurring_billing.portal_subscription_payment_method", values
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_method/transaction"],
        type="json",
        auth="public",
    )
    def portal_subscription_payment_method_transaction(
        self, subscription_id, access_token=None, amount=None, **kwargs
    ):
        """The validation transaction that saves a new payment method for the
        subscription; the provider, the partner, the amount and where it lands are
        decided here, not taken from the browser."""
        sub_sudo = self._subscription_for_step(subscription_id, "payment_token")
        self._validate_transaction_kwargs(kwargs)
        provider_id = self._cast_as_int(kwargs.pop("provider_id", None))
        kwargs.pop("token_id", None)
        if provider_id not in self._token_providers(sub_sudo).ids:
            raise ValidationError(
                request.env._(
                    "This payment provider cannot save a payment method for "
                    "%(subscription)s: choose one of those the page lists.",
                    subscription=sub_sudo.name,
                )
            )
        if kwargs.get("flow") == "token":
            raise ValidationError(
                request.env._("This payment method is already saved: pick it instead.")
            )
        kwargs.update(
            {
                "is_validation": True,
                "landing_route": f"{sub_sudo.access_url}/payment_method/saved",
            }
        )
        tx_sudo = self._create_transaction(
            provider_id=provider_id,
            token_id=None,
            amount=None,
            currency_id=None,
            partner_id=request.env.user.partner_id.id,
            reference_prefix=f"{sub_sudo.name}-V",
            custom_create_values={"recurring_subscription_id": sub_sudo.id},
            **kwargs,
        )
        # The landing page tells the outcome of this transaction.
        tx_sudo.landing_route = f"{tx_sudo.landing_route}?tx_id={tx_sudo.id}"
        return tx_sudo._get_processing_values()

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_method/assign"],
        type="json",
        auth="public",
    )
    def portal_subscription_payment_method_assign(
        self, subscription_id, token_id=None, **kw
    ):
        """A saved payment method picked in the payment form pays the subscription;
        refused with the reason, which the form shows, and nothing written."""
        sub_sudo = self._subscription_for_step(subscription_id, "payment_token")
        token = self._token_argument(sub_sudo, token_id)
        # A refusal is raised to the payment form, which shows it; the savepoint
        # leaves nothing of it written.
        with request.env.cr.savepoint():
            sub_sudo.action_set_payment_token(token)
            sub_sudo.message_post(
                body=self._token_chosen_body(token),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_method/saved"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_subscription_payment_method_saved(
        self, subscription_id, tx_id=None, **kw
    ):
        """Where the payment form lands: the subscription page saying whether the
        payment method now pays it, is awaited, or why not."""
        sub_sudo = self._subscription_for_step(subscription_id, "payment_token")
        tx = request.env["payment.transaction"].sudo()
        tx_id = self._cast_as_int(tx_id)
        if tx_id:
            tx = tx.search(
                [("id", "=", tx_id), ("recurring_subscription_id", "=", sub_sudo.id)]
            )
        token = tx.token_id if tx else sub_sudo.payment_token_id
        if sub_sudo.payment_method == "token" and token == sub_sudo.payment_token_id:
            return request.redirect(f"{sub_sudo.access_url}?message=token")
        if tx.state in ("draft", "pending") or (
            tx.state in ("authorized", "done") and not tx.is_post_processed
        ):
            return request.redirect(f"{sub_sudo.access_url}?message=token_pending")
        error = tx.state in ("authorized", "done") and sub_sudo._payment_token_error(
            tx.token_id
        )
        return self._subscription_page(
            sub_sudo,
            error=error
            or request.env._(
                "Your payment method was not saved: %(reason)s",
                reason=tx.state_message
                or request.env._("the payment provider did not confirm it."),
            ),
        )

    def _token_argument(self, sub_sudo, token_id):
        """The saved payment method ``token_id`` if it may pay the subscription;
        another customer's gets the same refusal as one that does not exist."""
        token_id = self._cast_as_int(token_id)
        token = sub_sudo.payment_token_allowed_ids.filtered(
            lambda token: token.id == token_id
        )
        if not token:
            raise ValidationError(
                request.env._(
                    "This saved payment method cannot pay %(subscription)s: pick one "
                    "of those the page lists, or save a new one.",
                    subscription=sub_sudo.name,
                )
            )
        return token

    def _token_chosen_body(self, token):
        return request.env._(
            "Saved payment method %(token)s chosen by the customer.",
            token=token.display_name,
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_token"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_payment_token(self, subscription_id, token_id=None, **kw):
        """The button "Pay automatically with …" of the page: a payment method the
        customer saved, picked by its id."""
        sub_sudo = self._subscription_for_step(subscription_id, "payment_token")
        try:
            token = self._token_argument(sub_sudo, token_id)
        except ValidationError as error:
            return self._subscription_page(sub_sudo, error=error.args[0])
        return self._do_step(
            sub_sudo,
            lambda: sub_sudo.action_set_payment_token(token),
            lambda: (self._token_chosen_body(token), "token"),
        )

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/payment_token/remove"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_payment_token_remove(self, subscription_id, **kw):
        sub_sudo = self._subscription_for_step(subscription_id, "remove_token")
        token = sub_sudo.payment_token_id
        return self._do_step(
            sub_sudo,
            sub_sudo.action_remove_payment_token,
            lambda: (
                request.env._(
                    "Automatic payment by %(token)s stopped by the customer.",
                    token=token.display_name,
                ),
                "token_removed",
            ),
        )
