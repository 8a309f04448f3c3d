"""Small helpers shared by the models of this addon."""

import threading

from odoo.exceptions import UserError
from odoo.tools import config


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
