"""Values a caller sends are checked before the ORM converts them."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RecurringValueCheckMixin(models.AbstractModel):
    """The external API sends what no form would: a selection key the field does not
    list, a date that is not one, the id of no record. The ORM would fail on them with
    its traceback for only message, the database with a misleading one; records of
    this mixin refuse them first, naming the field and what it accepts."""

    _name = "recurring.value.check.mixin"
    _description = "Values Checked Before They Are Stored"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_values(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_values([vals])
        return super().write(vals)

    @api.model
    def _check_values(self, vals_list):
        """Raise unless every selection, date and record id of ``vals_list`` can be
        stored."""
        record_ids = defaultdict(set)
        for vals in vals_list:
            for name, value in vals.items():
                field = self._fields.get(name)
                if not value or field is None:
                    continue
                if field.type == "many2one" and isinstance(value, int):
                    # Checked together below: one query per field, not per record.
                    record_ids[field].add(value)
                    continue
                hint = self._value_hint(field, value)
                if hint:
                    self._refuse_value(field, value, hint)
        for field, ids in record_ids.items():
            comodel = self.env[field.comodel_name]
            missing = ids - set(comodel.browse(ids).exists().ids)
            if missing:
                self._refuse_value(
                    field,
                    min(missing),
                    self.env._(
                        "no %(model)s has this id, pick an existing one",
                        model=comodel._description,
                    ),
                )

    @api.model
    def _refuse_value(self, field, value, hint):
        raise ValidationError(
            self.env._(
                "The %(field)s (%(name)s) of a %(model)s cannot be %(value)r: "
                "%(hint)s.",
                field=field._description_string(self.env),
                name=field.name,
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
