"""The pain.008 file of a debit batch: the debits it collects (no more than what is left
to pay), the file built and validated by the engine (engine/sepa_file.py), and the
pre-notifications of the customers. The batch's fields and its other steps are in
``sepa_debit_batch``.
"""

from decimal import Decimal

from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..engine.sepa_file import Debit, amendment_of, build_pain008, pain008_file_name
from .sepa_debit_batch_line import sepa_step
from .tools import check_state


class SepaDebitBatch(models.Model):
    _inherit = "sepa.debit.batch"

    def action_generate(self):
        """Build, validate and attach the pain.008 file; pre-notify the customers
        not yet told the date."""
        check_state(self, ("draft", "generated"), self.env._("generated"))
        for batch in self:
            lines = batch.line_ids.filtered(lambda li: li.state == "draft")
            if not lines:
                raise UserError(
                    self.env._(
                        "%(batch)s has no debit: add invoices first.", batch=batch.name
                    )
                )
            lines = batch._follow_residuals(lines)
            batch._check_date_collection()
            lines._check_collectable()
            batch._update_lines()
            batch._attach_file(lines)
            with sepa_step():
                batch.state = "generated"
            batch._prenotify(lines)
        return True

    def _follow_residuals(self, lines):
        """Make the debits ``lines`` collect no more than what is left to pay on
        their invoices once the credit notes of their subscriptions are set against
        them; the debits of invoices paid meanwhile, or with a payment awaited (an
        online payment begun since), leave the batch. Return the debits left."""
        self.ensure_one()
        left = lines.invoice_id._sepa_settled()
        gone = lines.filtered(
            lambda li: li.invoice_id.state == "posted" and li.invoice_id not in left
        )
        if gone == lines:
            raise ValidationError(
                self.env._(
                    "Every invoice of %(batch)s was paid since it was added, or is "
                    "being paid: there is nothing left to collect. Cancel the batch.",
                    batch=self.name,
                )
            )
        for line in gone:
            self.message_post(
                body=self.env._(
                    "Invoice %(invoice)s was paid since it was added, or is being "
                    "paid: its debit of %(amount)s leaves the batch.",
                    invoice=line.invoice_id.name,
                    amount=format_amount(self.env, line.amount, line.currency_id),
                )
            )
        gone.unlink()
        lines -= gone
        for line in lines:
            residual = line.invoice_id.amount_residual
            if line.currency_id.compare_amounts(line.amount, residual) > 0:
                line.amount = residual
        return lines

    def _attach_file(self, lines):
        """Build the pain.008 file collecting ``lines``, validated, and attach it to
        the batch in place of the previous one."""
        self.ensure_one()
        xml = self._build_file(lines)
        self.attachment_id.unlink()
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": pain008_file_name(self.name),
                "raw": xml,
                "mimetype": "application/xml",
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _build_file(self, lines):
        self.ensure_one()
        creditor = self.company_id._sepa_creditor(self.journal_id, self.batch_booking)
        try:
            return build_pain008(creditor, self._file_debits(lines), self.file_version)
        except ValueError as error:
            raise UserError(
                self.env._(
                    "The SEPA file of %(batch)s cannot be built: %(error)s",
                    batch=self.name,
                    error=error,
                )
            ) from error

    def _file_debits(self, lines):
        """The engine debits of ``lines``, read with one query.

        A batch may hold tens of thousands of debits: reading the invoice, mandate,
        bank account and customer of each through the ORM took longer than writing
        the file. The lines are the batch's, which the user may read; the query reads
        only what the file says about them.
        """
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT line.end_to_end_id,
                       ROUND(line.amount, 2)::text AS amount,
                       UPPER(line.sequence_type) AS sequence_type,
                       line.date_collection AS collection_date,
                       COALESCE(NULLIF(account.acc_holder_name, ''), customer.name)
                           AS debtor_name,
                       account.acc_number AS debtor_iban,
                       bank.bic AS debtor_bic,
                       mandate.name AS umr,
                       mandate.date_signature AS mandate_date,
                       UPPER(mandate.scheme) AS scheme,
                       invoice.name AS remittance,
                       mandate.previous_umr,
                       mandate.previous_iban,
                       mandate.previous_creditor_identifier,
                       mandate.amendment_smnda
                  FROM sepa_debit_batch_line line
                  JOIN account_move invoice ON invoice.id = line.invoice_id
                  JOIN res_partner customer
                    ON customer.id = invoice.commercial_partner_id
                  JOIN sepa_mandate mandate ON mandate.id = line.mandate_id
                  JOIN res_partner_bank account
                    ON account.id = mandate.partner_bank_id
                  LEFT JOIN res_bank bank ON bank.id = account.bank_id
                 WHERE line.id = ANY(%s)
                 ORDER BY line.id
                """,
                lines.ids,
            )
        )
        debits = []
        for row in rows:
            amendment = amendment_of(
                row.pop("previous_umr"),
                row.pop("previous_iban"),
                row.pop("previous_creditor_identifier"),
                row.pop("amendment_smnda"),
            )
            row["amount"] = Decimal(row["amount"])
            debits.append(Debit(**row, amendment=amendment))
        return debits

    def _prenotify(self, lines):
        template = self.env.ref("recurring_billing.mail_template_sepa_prenotification")
        for line in lines:
            invoice = line.invoice_id
            if invoice.sepa_date_collection_planned != line.date_collection:
                invoice._sepa_prenotify(template, line.date_collection)

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(
                self.env._("Generate the file of %(batch)s first.", batch=self.name)
            )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
