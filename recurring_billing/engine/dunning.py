"""Dunning: what follows a failed automatic payment, day by day.

A policy is a list of days counted from the failure (``3, 5, 7`` by default) and an
outcome applied once the last of those days has passed with the debt still unpaid. On
each of those days the payment is tried again (when the payment method allows it) and
the customer receives a reminder with a link to pay. A follow-up advances by at most
one step a day, so a job that did not run for a week catches up one step per run
instead of sending three reminders at once.

>>> policy = Policy.parse("3,5,7", "suspend")
>>> policy.days
(3, 5, 7)
>>> from datetime import date
>>> policy.step_date(date(2026, 3, 10), 0)
datetime.date(2026, 3, 13)
>>> policy.step_date(date(2026, 3, 10), 3) is None
True
"""

from dataclasses import dataclass
from datetime import date, timedelta

OUTCOMES = (
    ("keep", "Keep active"),
    ("suspend", "Suspend"),
    ("cancel", "Cancel"),
)
DEFAULT_RETRY_DAYS = "3,5,7"

# A follow-up never lasts longer than this: a policy of retries a year apart would
# keep a debt out of sight.
MAX_DAY = 90


class PolicyError(ValueError):
    """A retry-day list that cannot be a policy; the message says why."""


@dataclass(frozen=True)
class Policy:
    """Retry days after a failure and the outcome once they have all passed."""

    days: tuple
    outcome: str

    @classmethod
    def parse(cls, text, outcome):
        """Read ``"3, 5, 7"`` into a policy.

        >>> Policy.parse(" 1, 2 ,10 ", "keep").days
        (1, 2, 10)
        >>> Policy.parse("5,3", "keep")
        Traceback (most recent call last):
        ...
        recurring_billing.engine.dunning.PolicyError: days must increase: 5 then 3
        """
        if outcome not in dict(OUTCOMES):
            raise PolicyError(f"unknown outcome {outcome!r}")
        parts = [part.strip() for part in (text or "").split(",")]
        if not any(parts):
            raise PolicyError("at least one day is needed")
        days = []
        for part in parts:
            if not part.isdigit():
                raise PolicyError(f"{part!r} is not a number of days")
            day = int(part)
            if not 1 <= day <= MAX_DAY:
                raise PolicyError(f"{day} is not between 1 and {MAX_DAY}")
            if days and day <= days[-1]:
                raise PolicyError(f"days must increase: {days[-1]} then {day}")
            days.append(day)
        return cls(tuple(days), outcome)

    def step_date(self, date_failure: date, steps_done: int):
        """The day of the next step after ``steps_done`` steps, or None after the last."""
        if steps_done >= len(self.days):
            return None
        return date_failure + timedelta(days=self.days[steps_done])

    def is_last(self, steps_done: int) -> bool:
        """Whether the step after ``steps_done`` steps is the last one.

        >>> Policy((3, 5), "cancel").is_last(1)
        True
        """
        return steps_done + 1 >= len(self.days)


def step_due(
    policy: Policy, date_failure: date, steps_done: int, today: date, last_step_on=None
):
    """Whether the follow-up takes its next step today.

    It does when the step's day has come and no step was taken today already (one step
    a day at most, whatever the job missed).

    >>> p = Policy((3, 5, 7), "keep")
    >>> step_due(p, date(2026, 3, 10), 0, date(2026, 3, 12))
    False
    >>> step_due(p, date(2026, 3, 10), 0, date(2026, 3, 20))
    True
    >>> step_due(p, date(2026, 3, 10), 1, date(2026, 3, 20), last_step_on=date(2026, 3, 20))
    False
    """
    when = policy.step_date(date_failure, steps_done)
    if when is None or when > today:
        return False
    return last_step_on is None or last_step_on < today
