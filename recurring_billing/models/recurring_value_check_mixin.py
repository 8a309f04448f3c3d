"""Values a caller sends are checked before the ORM converts them."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RecurringValueCheckMixin(models.AbstractModel):
    """The external API sends what no form would: a selection key the field does not
    list, a date that is not one. The ORM fails on them deep inside with its
    traceback for only message; records of this mixin refuse them first, naming the
    field and what it accepts."""

    _name = "recurring.value.check.mixin"
    _description = "Values Checked Before They Are Stored"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_values(vals)
        return super().write(vals)

    @api.model
    def _check_values(self, vals):
        """Raise unless every selection and date of ``vals`` can be stored."""
        for name, value in vals.items():
            field = self._fields.get(name)
            hint = value and field and self._value_hint(field, value)
            if hint:
                raise ValidationError(
                    self.env._(
                        "The %(field)s (%(name)s) of a %(model)s cannot be "
                        "%(value)r: %(hint)s.",
                        field=field._description_string(self.env),
                        name=name,
                        model=self._description,
                        value=value,
                        hint=hint,
                    )
                )

    @api.model
    def _value_hint(self, field, value):
        """What ``field`` accepts, when it cannot store ``value``; else None."""
        if field.type == "selection":
            allowed = field._description_selection(self.env)
            if not any(value == key for key, _label in allowed):
                return self.env._(
                    "use one of %(allowed)s",
                    allowed=", ".join(f"{key} ({label})" for key, label in allowed),
                )
        elif field.type == "date":
            try:
                fields.Date.to_date(value)
            except (TypeError, ValueError):
                return self.env._("give a date as YYYY-MM-DD")
        return None
