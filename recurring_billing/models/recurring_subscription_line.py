from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from .recurring_mrr_tracking_mixin import IN_STEP

# Set by the steps that change prices on purpose (a pending change coming into force):
# without it, a new price of a running subscription waits for its next period.
PRICE_NOW_KEY = "recurring_price_now"
PRICE_FIELDS = ("price_unit", "discount")
NO_PENDING = {
    "has_pending_quantity": False,
    "pending_quantity": 0.0,
    "has_pending_price": False,
    "pending_price_unit": 0.0,
    "pending_discount": 0.0,
}


class RecurringSubscriptionLine(models.Model):
    _name = "recurring.subscription.line"
    _description = "Subscription Line"
    _order = "subscription_id, sequence, id"
    _check_company_auto = True

    subscription_id = fields.Many2one(
        "recurring.subscription", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="subscription_id.company_id", store=True)
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="restrict", check_company=True
    )
    name = fields.Char(
        "Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
    )
    addon_id = fields.Many2one(
        "recurring.plan.addon",
        "Add-on Package",
        compute="_compute_addon_id",
        store=True,
        readonly=False,
        precompute=True,
        ondelete="restrict",
        help="The add-on package this line sells; its quantity is capped by the "
        "package's maximum. Picking the product of one of the plan's add-ons fills "
        "it in.",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    price_unit = fields.Monetary(
        "Price per Period",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        currency_field="currency_id",
    )
    discount = fields.Float("Discount (%)", digits="Discount")
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
    )
    price_subtotal = fields.Monetary(
        compute="_compute_price_subtotal",
        store=True,
        precompute=True,
        currency_field="currency_id",
    )
    has_pending_quantity = fields.Boolean(
        "Quantity Changes Next Period", copy=False, readonly=True
    )
    pending_quantity = fields.Float(
        "Next Period Quantity",
        copy=False,
        readonly=True,
        digits="Product Unit of Measure",
        help="Quantity from the next period on; 0 removes the line then.",
    )
    has_pending_price = fields.Boolean(
        "Price Changes Next Period", copy=False, readonly=True
    )
    pending_price_unit = fields.Monetary(
        "Next Period Price",
        copy=False,
        readonly=True,
        currency_field="currency_id",
        help="Price per period from the next period on.",
    )
    pending_discount = fields.Float(
        "Next Period Discount (%)", copy=False, readonly=True, digits="Discount"
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity >= 0)",
            "The quantity of a subscription line cannot be negative.",
        ),
        (
            "price_unit_positive",
            "CHECK(price_unit >= 0)",
            "The price of a subscription line cannot be negative: use a discount "
            "or a credit note.",
        ),
        (
            "discount_range",
            "CHECK(discount >= 0 AND discount <= 100)",
            "A discount is a percentage between 0 and 100.",
        ),
        (
            "pending_amounts_positive",
            "CHECK(pending_quantity >= 0 AND pending_price_unit >= 0 "
            "AND pending_discount >= 0 AND pending_discount <= 100)",
            "The next period's quantity and price cannot be negative, and its "
            "discount is a percentage between 0 and 100.",
        ),
    ]

    @api.depends("product_id")
    def _compute_addon_id(self):
        for line in self:
            if line.addon_id.product_id == line.product_id:
                continue
            line.addon_id = line.subscription_id.plan_id.addon_ids.filtered(
                lambda addon, product=line.product_id: addon.product_id == product
            )[:1]

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            line.name = line.addon_id.name or line.product_id.display_name

    @api.depends("product_id", "addon_id")
    def _compute_price_unit(self):
        for line in self:
            sub = line.subscription_id
            if line.addon_id:
                price = line.addon_id.currency_id._convert(
                    line.addon_id.price_unit,
                    sub.currency_id,
                    sub.company_id,
                    fields.Date.context_today(line),
                )
            elif sub.pricelist_id and line.product_id:
                price = sub.pricelist_id._get_product_price(
                    line.product_id, line.quantity or 1.0, currency=sub.currency_id
                )
            else:
                price = line._plan_price()
            line.price_unit = price

    def _plan_price(self):
        """Price of this product on the subscription's plan, in its currency."""
        sub = self.subscription_id
        plan_line = sub.plan_id.line_ids.filtered(
            lambda pl: pl.product_id == self.product_id
        )[:1]
        if not plan_line:
            return self.product_id.lst_price
        return plan_line.currency_id._convert(
            plan_line.price_unit,
            sub.currency_id,
            sub.company_id,
            fields.Date.context_today(self),
        )

    @api.depends("product_id", "subscription_id.fiscal_position_id")
    def _compute_tax_ids(self):
        for line in self:
            company = line.subscription_id.company_id
            taxes = line.product_id.taxes_id.filtered(
                lambda tax, company=company: tax.company_id in company.parent_ids
            )
            fiscal_position = line.subscription_id.fiscal_position_id
            line.tax_ids = fiscal_position.map_tax(taxes) if fiscal_position else taxes

    @api.depends("quantity", "price_unit", "discount", "tax_ids")
    def _compute_price_subtotal(self):
        # Without tax, whether the price includes taxes or not: it is what MRR and
        # proration count.
        AccountTax = self.env["account.tax"]
        for line in self:
            base_line = line._prepare_base_line_for_taxes_computation()
            AccountTax._add_tax_details_in_base_line(base_line, line._tax_company())
            line.price_subtotal = line.currency_id.round(
                base_line["tax_details"]["raw_total_excluded_currency"]
            )

    def _tax_company(self):
        return self.subscription_id.company_id or self.company_id or self.env.company

    def _prepare_base_line_for_taxes_computation(self, **kwargs):
        """This line as a base line of Odoo's tax computation."""
        self.ensure_one()
        sub = self.subscription_id
        return self.env["account.tax"]._prepare_base_line_for_taxes_computation(
            self,
            **{
                "tax_ids": self.tax_ids,
                "partner_id": sub.partner_invoice_id or sub.partner_id,
                "currency_id": self.currency_id or self._tax_company().currency_id,
                **kwargs,
            },
        )

    def _tax_totals(self, currency, company):
        """Untaxed amount, taxes and total of these lines, as their invoice has them.

        Odoo's tax computation of ``company`` (rounding per line or globally, taxes
        included in the price or not) in ``currency``: the keys of
        ``account.tax._get_tax_totals_summary``.
        """
        AccountTax = self.env["account.tax"]
        base_lines = [line._prepare_base_line_for_taxes_computation() for line in self]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        return AccountTax._get_tax_totals_summary(base_lines, currency, company)

    @api.constrains(
        "quantity", "price_unit", "discount", "pending_price_unit", "pending_discount"
    )
    def _check_amounts(self):
        for line in self:
            if min(line.quantity, line.price_unit, line.pending_price_unit) < 0:
                raise ValidationError(
                    self.env._(
                        "%(line)s on %(subscription)s: quantity and price cannot be "
                        "negative. Use a discount or a credit note to lower the amount.",
                        line=line.name or line.product_id.display_name,
                        subscription=line.subscription_id.name,
                    )
                )
            if not (0 <= line.discount <= 100 and 0 <= line.pending_discount <= 100):
                raise ValidationError(
                    self.env._("A discount is a percentage between 0 and 100.")
                )

    @api.constrains("addon_id", "quantity")
    def _check_addon_quantity(self):
        for line in self.filtered("addon_id"):
            if line.quantity > line.addon_id.max_quantity:
                raise ValidationError(
                    self.env._(
                        "%(package)s allows at most %(max)s per subscription; "
                        "%(subscription)s asks for %(qty)s. Lower the quantity or "
                        "raise the package's maximum.",
                        package=line.addon_id.name or line.product_id.display_name,
                        max=line.addon_id.max_quantity,
                        subscription=line.subscription_id.name,
                        qty=line.quantity,
                    )
                )
            if line.addon_id.plan_id != line.subscription_id.plan_id:
                raise ValidationError(
                    self.env._(
                        "%(package)s is an add-on of plan %(plan)s, not of the plan "
                        "of %(subscription)s.",
                        package=line.addon_id.display_name,
                        plan=line.addon_id.plan_id.display_name,
                        subscription=line.subscription_id.name,
                    )
                )

    # Every write that can move MRR goes through the subscription's change log.

    @api.model_create_multi
    def create(self, vals_list):
        subs = self.env["recurring.subscription"].browse(
            {
                vals["subscription_id"]
                for vals in vals_list
                if vals.get("subscription_id")
            }
        )
        subs._check_changeable()
        with subs._mrr_tracking("change", step=False):
            return super().create(vals_list)

    def write(self, vals):
        subs = self.subscription_id
        if vals.get("subscription_id"):
            subs |= subs.browse(vals["subscription_id"])
        subs._check_changeable()
        running = self.filtered(lambda line: line.subscription_id.state == "active")
        if "quantity" in vals and running and not IN_STEP.get():
            # A quantity typed in the form or sent by the external API is a change
            # like the wizard's: more now and prorated, less from the next period.
            quantity = vals["quantity"]
            for sub, lines in running.grouped("subscription_id").items():
                sub._set_line_quantities(dict.fromkeys(lines, quantity), "change")
            others = {key: value for key, value in vals.items() if key != "quantity"}
            if others:
                running.write(others)
            if self - running:
                (self - running).write(vals)
            return True
        later = self._lines_priced_next_period(vals)
        with subs._mrr_tracking("change", step=False):
            if not later:
                return super().write(vals)
            later._schedule_price(vals)
            others = {
                key: value for key, value in vals.items() if key not in PRICE_FIELDS
            }
            if others:
                super(RecurringSubscriptionLine, later).write(others)
            return super(RecurringSubscriptionLine, self - later).write(vals)

    def unlink(self):
        subs = self.subscription_id
        subs._check_changeable()
        with subs._mrr_tracking("change", step=False):
            return super().unlink()

    # -- Changes waiting for the next period ---------------------------------------------

    def _lines_priced_next_period(self, vals):
        """The lines whose new price or discount in ``vals`` waits for the next period.

        The current period of a running subscription is sold at its price: a new price
        applies from the next one (doc/BILLING.md). A new product is a new line, sold now.
        """
        if (
            self.env.context.get(PRICE_NOW_KEY)
            or "product_id" in vals
            or not set(PRICE_FIELDS) & set(vals)
        ):
            return self.browse()
        return self.filtered(
            lambda line: (
                line.subscription_id.state in ("trial", "active")
                and line.subscription_id._next_period_start()
            )
        )

    def _schedule_price(self, vals):
        """Record the price and discount of ``vals`` for the next period.

        Setting back the current price forgets the pending one.
        """
        for line in self:
            planned = line._next_period_values()
            price = vals.get("price_unit", planned["price_unit"])
            discount = vals.get("discount", planned["discount"])
            unchanged = (
                line.currency_id.compare_amounts(price, line.price_unit) == 0
                and discount == line.discount
            )
            line.write(
                {
                    "has_pending_price": not unchanged,
                    "pending_price_unit": 0.0 if unchanged else price,
                    "pending_discount": 0.0 if unchanged else discount,
                }
            )
        self.subscription_id._date_pending_changes()

    def _next_period_values(self):
        """Quantity, price and discount of this line from the next period on."""
        self.ensure_one()
        quantity = self.quantity
        if self.has_pending_quantity:
            quantity = self.pending_quantity
        if self.has_pending_price:
            return {
                "quantity": quantity,
                "price_unit": self.pending_price_unit,
                "discount": self.pending_discount,
            }
        return {
            "quantity": quantity,
            "price_unit": self.price_unit,
            "discount": self.discount,
        }

    def _billing_values(self):
        """Everything an invoice line takes from this line, to rebuild it in memory."""
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "product_id": self.product_id.id,
            "name": self.name,
            "addon_id": self.addon_id.id,
            "quantity": self.quantity,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
        }

    def action_cancel_pending_change(self):
        """Keep this line as it is: forget the change planned for the next period."""
        self.write(NO_PENDING)
        self.subscription_id._date_pending_changes()
        return True
