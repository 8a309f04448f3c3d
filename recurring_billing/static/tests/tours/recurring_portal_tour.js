/** @odoo-module */

import { registry } from "@web/core/registry";

/**
 * A customer opens a subscription from the portal list, asks for the price of an
 * upgrade and confirms it.
 */
registry.category("web_tour.tours").add("recurring_portal_upgrade_tour", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_recurring_portal_row a",
            run: "click",
        },
        {
            content: "The next invoice is previewed",
            trigger: ".o_recurring_portal_preview .o_recurring_preview",
        },
        {
            content: "Choose the Pro plan",
            trigger: ".o_recurring_portal_change_plan select[name=plan_id]",
            run: "selectByLabel Pro",
        },
        {
            content: "Ask for the price",
            trigger: ".o_recurring_portal_change_plan button[type=submit]",
            run: "click",
        },
        {
            content: "The prorated amount is shown before confirming",
            trigger: ".o_recurring_portal_net:contains(20.00)",
        },
        {
            content: "Confirm the upgrade",
            trigger: ".o_recurring_portal_confirm",
            run: "click",
        },
        {
            content: "The page says it is done",
            trigger: ".o_recurring_portal_done:contains(Your plan was changed.)",
        },
        {
            content: "The new plan is shown",
            trigger: ".o_recurring_portal_lines td:contains(Pro)",
        },
    ],
});

/**
 * A customer cancels at the end of the period with a reason, changes their mind,
 * then pauses the subscription instead.
 */
registry.category("web_tour.tours").add("recurring_portal_cancel_pause_tour", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_recurring_portal_row a",
            run: "click",
        },
        {
            content: "Choose a reason",
            trigger: ".o_recurring_portal_cancel select[name=reason_id]",
            run: "selectByLabel Too expensive for us",
        },
        {
            content: "Say why",
            trigger: ".o_recurring_portal_cancel input[name=comment]",
            run: "edit Our team is moving",
        },
        {
            content: "Cancel at the end of the period",
            trigger: ".o_recurring_portal_cancel button[type=submit]",
            run: "click",
        },
        {
            content: "The page says when it ends",
            trigger: ".o_recurring_portal_done:contains(end of the current period)",
        },
        {
            content: "Keep the subscription",
            trigger: ".o_recurring_portal_keep button[type=submit]",
            run: "click",
        },
        {
            content: "The cancellation is undone",
            trigger: ".o_recurring_portal_done:contains(the cancellation is undone)",
        },
        {
            content: "Pause, with no resume date",
            trigger: ".o_recurring_portal_pause button[type=submit]",
            run: "click",
        },
        {
            content: "The subscription is paused",
            trigger: ".o_recurring_portal_done:contains(Your subscription is paused.)",
        },
    ],
});

/**
 * A customer adds seats, seeing their prorated price first, then signs a SEPA Direct
 * Debit mandate to pay the subscription and moves its debits to another account.
 */
registry.category("web_tour.tours").add("recurring_portal_seats_mandate_tour", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_recurring_portal_row a",
            run: "click",
        },
        {
            content: "Take 2 extra seats",
            trigger: ".o_recurring_portal_addons input[type=number]",
            run: "edit 2",
        },
        {
            content: "Ask for the price",
            trigger: ".o_recurring_portal_addons button[type=submit]",
            run: "click",
        },
        {
            content: "The prorated amount is shown before confirming",
            trigger: ".o_recurring_portal_net:contains(10.00)",
        },
        {
            content: "Confirm the seats",
            trigger: ".o_recurring_portal_confirm",
            run: "click",
        },
        {
            content: "The seats are there",
            trigger: ".o_recurring_portal_done:contains(Your add-ons were changed.)",
        },
        {
            content: "Choose to pay by direct debit",
            trigger: "a.o_recurring_portal_mandate",
            run: "click",
        },
        {
            content: "The mandate text names the scheme",
            trigger: "td:contains(SEPA Core Direct Debit (CORE))",
        },
        {
            content: "Enter the IBAN",
            trigger: "input[name=iban]",
            run: "edit FR14 2004 1010 0505 0001 3M02 606",
        },
        {
            content: "Accept the mandate",
            trigger: "input[name=accept]",
            run: "check",
        },
        {
            content: "Sign it",
            trigger: ".o_recurring_portal_sign",
            run: "click",
        },
        {
            content: "The mandate is signed",
            trigger: ".o_recurring_portal_done:contains(Your mandate is signed)",
        },
        {
            content: "The payment method shows the masked IBAN",
            trigger: ".o_recurring_portal_payment:contains(FR14 **** 2606)",
        },
        {
            content: "Enter the IBAN of another account",
            trigger: ".o_recurring_portal_account input[name=iban]",
            run: "edit DE65 1007 0000 0123 4567 89",
        },
        {
            content: "Move the debits to it",
            trigger: ".o_recurring_portal_account button[type=submit]",
            run: "click",
        },
        {
            content: "The account is changed",
            trigger: ".o_recurring_portal_done:contains(Your bank account is changed)",
        },
        {
            content: "The payment method shows the new account, masked",
            trigger: ".o_recurring_portal_payment:contains(DE65 **** 6789)",
        },
    ],
});
