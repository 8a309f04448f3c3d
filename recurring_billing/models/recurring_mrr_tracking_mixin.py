"""Records whose writes move MRR: every such write is logged in the change log."""

from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models
from odoo.exceptions import UserError

# Set inside a block whose writes the change log records once, by the outermost block.
TRACKING_KEY = "recurring_mrr_tracking"
# True inside a step of the model's own methods: unlike a context key, a caller of the
# external API cannot set it, so only those steps may write what they guard (a state).
IN_STEP = ContextVar("recurring_in_step", default=False)


class RecurringMrrTrackingMixin(models.AbstractModel):
    _name = "recurring.mrr.tracking.mixin"
    _description = "Writes Logged in the Change Log"

    @contextmanager
    def _mrr_tracking(self, event_type, date=None, always=False, step=True):
        """Log one change-log row per record whose MRR the block changes.

        ``always`` logs a row even when the MRR stays the same (lifecycle steps such as a
        trial start). Nested blocks and the writes inside them are logged once, by the
        outermost block, with its event type. The block is a step of the model's own
        methods (``IN_STEP``) unless ``step`` is False: a plain write.
        """
        token = IN_STEP.set(step or IN_STEP.get())
        try:
            if self.env.context.get(TRACKING_KEY):
                yield self
                return
            before = {
                sub.id: (sub.mrr, sub.state, sub.commercial_partner_id, sub.currency_id)
                for sub in self
            }
            tracked = self.with_context(**{TRACKING_KEY: True})
            yield tracked
            self.env["recurring.subscription.event"]._log_changes(
                tracked.exists(), before, event_type, date=date, always=always
            )
        finally:
            IN_STEP.reset(token)

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(TRACKING_KEY):
            return super().create(vals_list)
        records = super(
            RecurringMrrTrackingMixin, self.with_context(**{TRACKING_KEY: True})
        ).create(vals_list)
        # Imported live records enter the change log with their MRR.
        self.env["recurring.subscription.event"]._log_changes(records, {}, "create")
        return records.with_env(self.env)

    def write(self, vals):
        if "state" in vals and not IN_STEP.get():
            raise UserError(
                self.env._(
                    "The state of %(record)s changes only through its buttons (Start, "
                    "Pause, Resume, Cancel, Reactivate…), which record the dates, the "
                    "reason and the change log: use them instead of moving the card "
                    "or writing the state.",
                    record=self[:1].display_name,
                )
            )
        if self.env.context.get(TRACKING_KEY):
            return super().write(vals)
        with self._mrr_tracking("change", step=False) as tracked:
            return super(RecurringMrrTrackingMixin, tracked).write(vals)
