/** @odoo-module **/
import { Component, xml } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The month of a report row, named ("January 2026" in the user's language): the row
 * holds the figures of the whole month or of its end, never of its first day.
 */
export class MrrMonthField extends Component {
    static template = xml`<span t-esc="formattedValue" />`;
    static props = { ...standardFieldProps };

    get formattedValue() {
        const value = this.props.record.data[this.props.name];
        return value ? value.toFormat("MMMM yyyy") : "";
    }
}

registry.category("fields").add("mrr_month", {
    component: MrrMonthField,
    displayName: "Month",
    supportedTypes: ["date"],
});
