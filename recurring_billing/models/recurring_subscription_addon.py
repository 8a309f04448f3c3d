"""Add-on packages on a subscription: quantities within each package's maximum."""

from odoo import Command, models
from odoo.exceptions import UserError


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def action_set_addon_quantities(self, quantities, when=None):
        """Set add-on packages to the given quantities: {addon: quantity}.

        More units apply now, billed for the rest of a period billed in advance, like a
        plan upgrade. Fewer units (0 removes the package) wait for the end of the
        current period of an active subscription, like a plan downgrade, unless
        ``when`` is "now": the unused days are then credited. The package maximum is
        checked by the line constraint.
        """
        self.ensure_one()
        self._check_states(("trial", "active"), self.env._("changed"))
        foreign = [addon for addon in quantities if addon.plan_id != self.plan_id]
        if foreign:
            raise UserError(
                self.env._(
                    "%(package)s is not an add-on of %(plan)s.",
                    package=foreign[0].display_name,
                    plan=self.plan_id.display_name,
                )
            )
        negative = [addon for addon, quantity in quantities.items() if quantity < 0]
        if negative:
            raise UserError(
                self.env._(
                    "%(package)s cannot have a negative quantity: use 0 to remove it.",
                    package=negative[0].display_name,
                )
            )
        later = when != "now" and self._waits_for_next_period()
        commands, more, less = [], False, False
        for addon, quantity in quantities.items():
            lines = self.line_ids.filtered(lambda line, a=addon: line.addon_id == a)
            current = sum(lines.mapped("quantity"))
            if quantity == current:
                continue
            if quantity < current and later:
                lines[0].write(
                    {"has_pending_quantity": True, "pending_quantity": quantity}
                )
                lines[1:].write({"has_pending_quantity": True, "pending_quantity": 0.0})
                continue
            more |= quantity > current
            less |= quantity < current
            commands += self._addon_commands(addon, lines, quantity)
        if commands:
            # Package prices are never negative: more units never lower the MRR.
            event_type = (
                "change" if more and less else ("upgrade" if more else "downgrade")
            )
            self._change_now(event_type, {"line_ids": commands})
        self._date_pending_changes()
        return True

    def _addon_commands(self, addon, lines, quantity):
        """Commands giving ``addon`` ``quantity`` units now, on its first line."""
        if not quantity:
            return [Command.unlink(line.id) for line in lines]
        if not lines:
            return [
                Command.create(
                    {
                        "product_id": addon.product_id.id,
                        "addon_id": addon.id,
                        "quantity": quantity,
                    }
                )
            ]
        # A quantity set now replaces one planned for the next period.
        return [
            Command.update(
                lines[0].id,
                {
                    "quantity": quantity,
                    "has_pending_quantity": False,
                    "pending_quantity": 0.0,
                },
            )
        ] + [Command.unlink(line.id) for line in lines[1:]]
