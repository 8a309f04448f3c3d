/** @odoo-module **/
import { registry } from "@web/core/registry";
import { graphView } from "@web/views/graph/graph_view";
import { GraphModel } from "@web/views/graph/graph_model";
import { GraphRenderer } from "@web/views/graph/graph_renderer";

// Growth in greens, loss in reds, whatever series the graph shows and in which order.
export const MOVEMENT_COLORS = {
    new: "#1e7e34",
    expansion: "#28a745",
    reactivation: "#7bc88f",
    contraction: "#f08080",
    churn: "#c82333",
};

function movementType(dataset) {
    for (const domain of dataset.domains || []) {
        const leaf = (domain || []).find(
            (term) => Array.isArray(term) && term[0] === "movement_type" && term[1] === "="
        );
        if (leaf) {
            return leaf[2];
        }
    }
    return undefined;
}

export class MrrMovementGraphModel extends GraphModel {
    /**
     * Keep the months without movements that the server fills in: the bar chart drops
     * the groups of no record, which would skip those months on the axis.
     */
    async _loadDataPoints(metaData) {
        const dataPoints = await super._loadDataPoints(metaData);
        return dataPoints.map((point) =>
            point.count === 0 ? { ...point, count: undefined, value: point.value || 0 } : point
        );
    }
}

export class MrrMovementGraphRenderer extends GraphRenderer {
    getBarChartData() {
        const data = super.getBarChartData();
        // Growth above loss in the legend, in the order of the month bridge.
        const order = Object.keys(MOVEMENT_COLORS);
        const rank = (dataset) => {
            const index = order.indexOf(movementType(dataset));
            return index < 0 ? order.length : index;
        };
        data.datasets.sort((a, b) => rank(a) - rank(b));
        for (const dataset of data.datasets) {
            const color = MOVEMENT_COLORS[movementType(dataset)];
            if (color) {
                dataset.backgroundColor = color;
            }
        }
        return data;
    }

    getLineChartData() {
        const data = super.getLineChartData();
        for (const dataset of data.datasets) {
            const color = MOVEMENT_COLORS[movementType(dataset)];
            if (color) {
                dataset.borderColor = color;
                dataset.pointBackgroundColor = color;
                dataset.hoverBackgroundColor = color;
            }
        }
        return data;
    }
}

registry.category("views").add("mrr_movement_graph", {
    ...graphView,
    Model: MrrMovementGraphModel,
    Renderer: MrrMovementGraphRenderer,
});
