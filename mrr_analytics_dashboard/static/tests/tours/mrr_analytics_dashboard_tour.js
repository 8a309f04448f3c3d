/** @odoo-module */

import { registry } from "@web/core/registry";

/**
 * The demo data plays the worked example of mrr_analytics/doc/METRICS.md: the MRR at the
 * end of April 2026 is A 30 (Basic again since 04-10) + C 30 (Basic) + D 30 (Basic) +
 * E 52 (weekly 12 × 52 / 12, resumed 04-06) = 142, and 110 at the end of March.
 * The browser's clock is set to 15 May 2026 so that April is the last closed month.
 */
const FROZEN_NOW = "2026-05-15T12:00:00";
const EXPECTED = { month: "April 2026", mrr: 142, previous: 110 };

/** Make `new Date()` and `Date.now()` answer FROZEN_NOW, the clock still running. */
function freezeClock(iso) {
    const RealDate = window.Date;
    const offset = new RealDate(iso).getTime() - RealDate.now();
    function FrozenDate(...args) {
        if (!new.target) {
            return new RealDate(RealDate.now() + offset).toString();
        }
        return args.length
            ? new RealDate(...args)
            : new RealDate(RealDate.now() + offset);
    }
    FrozenDate.prototype = RealDate.prototype;
    FrozenDate.now = () => RealDate.now() + offset;
    FrozenDate.parse = RealDate.parse;
    FrozenDate.UTC = RealDate.UTC;
    window.Date = FrozenDate;
}

/** The spreadsheet model of the dashboard on screen. */
function dashboardModel() {
    const stack = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (stack.length) {
        const node = stack.pop();
        const model = node.component?.props?.model;
        if (model?.getters?.getChartRuntime) {
            return model;
        }
        stack.push(...Object.values(node.children));
    }
    return undefined;
}

function cell(model, sheetName, xc) {
    const { getters } = model;
    const sheetId = getters.getSheetIdByName(sheetName);
    const [col, row] = [xc.charCodeAt(0) - 65, Number(xc.slice(1)) - 1];
    return getters.getEvaluatedCell({ sheetId, col, row });
}

/** Wait until `read` returns something other than undefined; throw after `ms`. */
async function waitFor(read, what, ms = 20000) {
    const start = performance.now();
    for (;;) {
        const value = read();
        if (value !== undefined) {
            return value;
        }
        if (performance.now() - start > ms) {
            throw new Error(`Timed out waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

registry.category("web_tour.tours").add("mrr_analytics_dashboard_tour", {
    url: "/odoo/dashboards",
    steps: () => [
        {
            content: "Set the browser's clock to the middle of May 2026",
            trigger: ".o_spreadsheet_dashboard_action",
            run: () => freezeClock(FROZEN_NOW),
        },
        {
            content: "Open the MRR Analytics dashboard",
            trigger: ".o_search_panel li:contains(MRR Analytics)",
            run: "click",
        },
        {
            content: "Its figures are drawn",
            trigger: ".o_spreadsheet_dashboard_action .o-figure",
        },
        {
            content:
                "The MRR tile shows the MRR of April 2026 and its change since March",
            trigger: ".o_spreadsheet_dashboard_action .o-figure",
            run: async () => {
                const model = await waitFor(dashboardModel, "the dashboard's model");
                const { getters } = model;
                // The pivots load asynchronously: their cells say "Loading..." meanwhile.
                const cells = await waitFor(() => {
                    const all = getters
                        .getSheetIds()
                        .flatMap((sheetId) =>
                            Object.values(getters.getEvaluatedCells(sheetId)),
                        );
                    return all.some((c) => c.value === "Loading...") ? undefined : all;
                }, "the dashboard's data");
                const mrr = cell(model, "Data", "B8").value;
                const tile = getters.getChartRuntime("tile_mrr");
                const title = cell(model, "Dashboard", "A1").value;
                const problems = [];
                if (!title.includes(EXPECTED.month)) {
                    problems.push(`the title names another month: ${title}`);
                }
                if (mrr !== EXPECTED.mrr) {
                    problems.push(`MRR is ${mrr}, expected ${EXPECTED.mrr}`);
                }
                if (!tile.keyValue.includes("142.00")) {
                    problems.push(`the MRR tile shows ${tile.keyValue}`);
                }
                if (cell(model, "Data", "C8").value !== EXPECTED.previous) {
                    problems.push(`previous MRR is ${cell(model, "Data", "C8").value}`);
                }
                if (tile.baselineArrow !== "up" || tile.baselineDisplay !== "29.1%") {
                    problems.push(
                        `the change shown is ${tile.baselineArrow} ${tile.baselineDisplay}`,
                    );
                }
                for (const { type, value, message } of cells) {
                    if (type === "error") {
                        problems.push(`a cell shows ${value} ${message || ""}`);
                    }
                }
                if (problems.length) {
                    throw new Error(`MRR dashboard: ${problems.join("; ")}`);
                }
            },
        },
    ],
});
