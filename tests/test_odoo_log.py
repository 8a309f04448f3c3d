"""The CI's reading of an Odoo test log: counts per addon, failures, problem lines."""

from odoo_log import parse, report

ADDONS = ("recurring_billing", "mrr_analytics")
PREFIX = "2026-11-25 12:00:00,000 42"


def line(level, logger, message):
    return f"{PREFIX} {level} db {logger}: {message}\n"


def started(addon, test):
    return line("INFO", f"odoo.addons.{addon}.tests.test_x", f"Starting {test} ...")


def test_counts_tests_per_addon_and_passes_a_clean_run():
    log = [
        started("recurring_billing", "TestA.test_one"),
        started("recurring_billing", "TestA.test_two"),
        started("mrr_analytics", "TestB.test_one"),
        line(
            "INFO", "odoo.tests.result", "0 failed, 0 error(s) of 3 tests when loading"
        ),
    ]
    lines, ok = report(parse(log, ADDONS), ADDONS)
    assert ok
    assert (
        lines[-1] == "odoo: 3 passed, 0 failed (recurring_billing 2, mrr_analytics 1)"
    )


def test_a_failing_test_fails_the_run():
    log = [
        started("recurring_billing", "TestA.test_one"),
        started("mrr_analytics", "TestB.test_one"),
        line("ERROR", "odoo.addons.mrr_analytics.tests.test_x", "FAIL: TestB.test_one"),
        line(
            "ERROR", "odoo.tests.result", "1 failed, 0 error(s) of 2 tests when loading"
        ),
    ]
    lines, ok = report(parse(log, ADDONS), ADDONS)
    assert not ok
    assert (
        lines[-1] == "odoo: 1 passed, 1 failed (recurring_billing 1, mrr_analytics 0), "
        "2 WARNING/ERROR lines"
    )


def test_a_warning_fails_the_run_even_when_tests_pass():
    log = [
        started("recurring_billing", "TestA.test_one"),
        started("mrr_analytics", "TestB.test_one"),
        line(
            "WARNING",
            "odoo.addons.base.models.ir_model",
            "Two fields have the same label",
        ),
    ]
    lines, ok = report(parse(log, ADDONS), ADDONS)
    assert not ok
    assert any("Two fields have the same label" in text for text in lines)


def test_an_addon_without_tests_fails_the_run():
    lines, ok = report(parse([started("recurring_billing", "TestA.t")], ADDONS), ADDONS)
    assert not ok
    assert "odoo: no test of mrr_analytics ran" in lines
