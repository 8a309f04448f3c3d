"""Small helpers shared by the models of this addon."""

import threading

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config

from ..engine.dunning import Policy, PolicyError


def selection_label(record, field_name, value=None):
    """The translated label of ``value`` (default: the record's) in a selection field."""
    field = record._fields[field_name]
    key = record[field_name] if value is None else value
    return dict(field._description_selection(record.env))[key]


def check_state(records, allowed, action):
    """Refuse ``action`` (said as in "it cannot be <action>") unless each of
    ``records`` is in one of the ``allowed`` states."""
    wrong = records.filtered(lambda record: record.state not in allowed)
    if not wrong:
        return
    record = wrong[0]
    env = records.env
    raise UserError(
        env._(
            "%(record)s is %(state)s: it cannot be %(action)s. It must be %(allowed)s.",
            record=record.display_name,
            state=selection_label(record, "state").lower(),
            action=action,
            allowed=env._(" or ").join(
                selection_label(record, "state", state).lower() for state in allowed
            ),
        )
    )


def may_commit(env):
    """Whether a scheduled job may commit between its batches: never in tests."""
    return not (
        config["test_enable"]
        or env.registry.in_test_mode()
        or getattr(threading.current_thread(), "testing", False)
    )


def date_argument(env, value, label):
    """``value`` as a date: the external API sends dates as ISO strings."""
    if not value:
        return False
    try:
        return fields.Date.to_date(value)
    except ValueError as error:
        raise UserError(
            env._(
                "The %(label)s %(value)s is not a date: give it as YYYY-MM-DD.",
                label=label,
                value=value,
            )
        ) from error


def record_argument(env, value, model):
    """``value`` as a record of ``model``: the external API sends ids."""
    if not value or isinstance(value, models.BaseModel):
        return value or env[model]
    record = env[model].browse(int(value)).exists()
    if not record:
        raise UserError(
            env._(
                "No %(model)s has the id %(value)s: pick an existing one.",
                model=env[model]._description,
                value=value,
            )
        )
    return record


def has_rate(currency, company):
    """Whether ``currency`` has an exchange rate in ``company``."""
    return bool(
        currency.env["res.currency.rate"].search_count(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "in", [company.root_id.id, False]),
            ],
            limit=1,
        )
    )


def dunning_policy(env, retry_days, outcome, owner):
    """The dunning policy of ``retry_days`` and ``outcome``, or a ValidationError
    naming ``owner`` (a plan, a company) and the fix."""
    try:
        return Policy.parse(retry_days, outcome)
    except PolicyError as error:
        raise ValidationError(
            env._(
                "The retry days %(days)s of %(owner)s cannot be used (%(error)s): give "
                "increasing numbers of days after the failure, between 1 and 90, "
                "separated by commas, e.g. 3,5,7.",
                days=repr(retry_days or ""),
                owner=owner,
                error=error,
            )
        ) from None
