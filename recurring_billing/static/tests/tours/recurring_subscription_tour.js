/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * A back-office user signs a customer up, starts the subscription, invoices it and
 * schedules its cancellation at the end of the period.
 */
registry.category("web_tour.tours").add("recurring_subscription_tour", {
    url: "/odoo/action-recurring_billing.recurring_subscription_action/new",
    steps: () => [
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "Choose the plan",
            trigger: ".o_field_widget[name=plan_id] input",
            run: "edit Tour Pro",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains(Tour Pro)",
            run: "click",
        },
        {
            content: "The plan's line is proposed with its price",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(49.00)",
        },
        ...stepUtils.saveForm(),
        {
            content: "Start the subscription",
            trigger: ".o_form_statusbar button[name=action_start]",
            run: "click",
        },
        {
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Active)",
        },
        {
            content: "Invoice the first period now",
            trigger: ".o_form_statusbar button[name=action_invoice_now]",
            run: "click",
        },
        {
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The invoice opens with the period in its line",
            trigger:
                ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(49.00):contains( to )",
        },
        {
            content: "Back to the subscription",
            trigger: ".o_breadcrumb a:contains(SUB/)",
            run: "click",
        },
        {
            content: "The invoice is counted on the subscription",
            trigger: "button[name=action_view_invoices] .o_stat_value:contains(1)",
        },
        {
            content: "Cancel at the end of the period",
            trigger: ".o_form_statusbar button:contains(Cancel)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason_id] input",
            run: "edit Too expensive",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains(Too expensive)",
            run: "click",
        },
        {
            trigger: ".modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The form says when it ends and offers to keep it",
            trigger: ".o_form_statusbar button[name=action_revoke_cancel]",
        },
    ],
});
