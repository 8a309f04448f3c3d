/** @odoo-module **/
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat, formatMonetary, formatPercentage } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

// Why a rate of the month is undefined, by the flag that says it is defined.
const REASONS = {
    has_customers_start: _t(
        "No paying customer at the start of the month: there is nothing to divide by."
    ),
    has_quick_ratio: _t(
        "No contraction and no churn this month: there is nothing to divide by."
    ),
    has_arpa: _t("No paying customer at the end of the month: there is nothing to divide by."),
    has_ltv: _t(
        "No customer churned this month, or none pays at its end: the lifetime value is not bounded."
    ),
};

/**
 * A rate of the month: empty, with the reason in its tooltip, when what it divides by
 * is zero, so that an undefined rate never reads as 0.
 */
export class MrrRateField extends Component {
    static template = "mrr_analytics.MrrRateField";
    static props = {
        ...standardFieldProps,
        defined: { type: String },
        format: { type: String, optional: true },
    };

    get isDefined() {
        return Boolean(this.props.record.data[this.props.defined]);
    }

    get reason() {
        return REASONS[this.props.defined] || "";
    }

    get formattedValue() {
        const value = this.props.record.data[this.props.name];
        if (this.props.format === "percentage") {
            return formatPercentage(value, { digits: [16, 2], trailingZeros: true });
        }
        if (this.props.format === "monetary") {
            const currency = this.props.record.data.currency_id;
            return formatMonetary(value, { currencyId: currency && currency[0] });
        }
        return formatFloat(value, { digits: [16, 2] });
    }
}

registry.category("fields").add("mrr_rate", {
    component: MrrRateField,
    supportedTypes: ["float", "monetary"],
    extractProps: ({ options }) => ({ defined: options.defined, format: options.format }),
});
