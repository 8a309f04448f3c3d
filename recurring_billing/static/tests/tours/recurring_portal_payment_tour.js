/** @odoo-module */

import { registry } from "@web/core/registry";

/**
 * A customer saves a card through the payment form of the subscription page: the
 * subscription is then paid automatically by it.
 */
registry.category("web_tour.tours").add("recurring_portal_payment_token_tour", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_recurring_portal_row a",
            run: "click",
        },
        {
            content: "The subscription is paid by hand",
            trigger: ".o_recurring_portal_payment:contains(Manual payment)",
        },
        {
            content: "Choose to pay automatically",
            trigger: "a.o_recurring_portal_payment_method",
            run: "click",
        },
        {
            content: "Choose the demo provider of the payment form",
            trigger: "input[name=o_payment_radio][data-provider-code=demo]",
            run: "click",
        },
        {
            content: "Enter the card",
            trigger: "#customer_input",
            run: "edit 4242 4242 4242 4242",
        },
        {
            content: "Save it for the subscription",
            trigger: "button[name=o_payment_submit_button]",
            run: "click",
        },
        {
            content: "Back on the subscription, which says it is paid by the card",
            trigger:
                ".o_recurring_portal_done:contains(Your saved payment method pays)",
        },
        {
            content: "The payment method shows the card",
            trigger: ".o_recurring_portal_payment:contains(4242)",
        },
    ],
});
