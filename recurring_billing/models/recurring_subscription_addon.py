"""Add-on packages on a subscription: quantities within each package's maximum."""

from odoo import Command, models
from odoo.exceptions import UserError


class RecurringSubscription(models.Model):
    _inherit = "recurring.subscription"

    def action_set_addon_quantities(self, quantities):
        """Set add-on packages to the given quantities, now: {addon: quantity}.

        A quantity of 0 removes the package. More MRR is logged as an upgrade, less as
        a downgrade; the package maximum is checked by the line constraint.
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
        commands, more, less = [], False, False
        for addon, quantity in quantities.items():
            lines = self.line_ids.filtered(lambda line, a=addon: line.addon_id == a)
            current = sum(lines.mapped("quantity"))
            more |= quantity > current
            less |= quantity < current
            if quantity <= 0:
                commands += [Command.unlink(line.id) for line in lines]
            elif lines:
                commands.append(Command.update(lines[0].id, {"quantity": quantity}))
            else:
                commands.append(
                    Command.create(
                        {
                            "product_id": addon.product_id.id,
                            "addon_id": addon.id,
                            "quantity": quantity,
                        }
                    )
                )
        if not (more or less):
            return True
        # Package prices are never negative: more units never lower the MRR.
        event_type = "change" if more and less else ("upgrade" if more else "downgrade")
        with self._mrr_tracking(event_type, always=True) as tracked:
            tracked.write({"line_ids": commands})
        return True
