"""What the customer does with a mandate: the signed form they receive."""

from odoo import models


class SepaMandate(models.Model):
    _inherit = "sepa.mandate"

    def _send_signed_form(self):
        """E-mail each mandate's form, rendered by its report, to its customer; the
        form stays attached to the mandate, in its chatter."""
        template = self.env.ref("recurring_billing.mail_template_sepa_mandate_signed")
        # The customer signing on the portal is the author of the message, and
        # Odoo leaves authors out of its recipients: they receive their copy too.
        self.with_context(mail_notify_author=True).message_post_with_source(
            template, subtype_xmlid="mail.mt_comment"
        )
