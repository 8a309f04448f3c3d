#!/usr/bin/env bash
# The one test entry point (README, .ci/run and the docker test service call it).
#
# In order: lint, the pure engine tests, then a fresh database with the addons installed
# and their Odoo tests run, one of those tests run again on it through pytest-odoo (as
# DEVELOP.md runs a single test), the uninstallation of the addons, and a second fresh
# database installed without demo data. Any failing test, lint error, or WARNING/ERROR
# line logged by Odoo fails the run. Odoo is found through ODOO_PYTHON; PostgreSQL through
# the usual libpq variables (PGHOST, PGUSER, PGPASSWORD), Odoo's own defaults otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_PYTHON=${ODOO_PYTHON:-/opt/odoo-venv/bin/python}
# recurring_billing_queue is optional (it brings OCA's queue_job): tested here with the
# others, so a change of the invoicing job is tested through the queue too.
ADDONS=(recurring_billing mrr_analytics mrr_analytics_dashboard recurring_billing_queue)
OUT=${TEST_OUT:-$ROOT/.ci/out}
DB_PREFIX=${TEST_DB_PREFIX:-rbtest_$$}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.out "$OUT"/*.xml  # Odoo appends to its log files
cd "$ROOT" || exit 2

summary=()
status=0
fail() { status=1; summary+=("$1"); }
pass() { summary+=("$1"); }
finish() {
    printf '%s\n' "" "== summary ==" "${summary[@]}"
    if [ "$status" -eq 0 ]; then echo "result: PASSED"; else echo "result: FAILED"; fi
    exit "$status"
}

# -- Odoo ------------------------------------------------------------------------------
if ! "$ODOO_PYTHON" -c 'import odoo.release as r, sys; sys.exit(r.version_info[0] != 18)' \
    >/dev/null 2>&1; then
    cat >&2 <<EOF
No Odoo 18.0 found: '$ODOO_PYTHON' cannot import odoo 18.
These addons are tested on a real Odoo 18.0 and PostgreSQL, never without them.
Point ODOO_PYTHON at the Python interpreter of an Odoo 18 install, e.g.
  ODOO_PYTHON=/path/to/odoo-venv/bin/python bash .ci/run
or run the tests inside the official image: docker compose run --rm test
EOF
    fail "odoo: not found at $ODOO_PYTHON"
    finish
fi
if ! "$ODOO_PYTHON" -c 'import pytest, pytest_odoo, pylint_odoo, hypothesis, freezegun, websocket' \
    >/dev/null 2>&1 \
    || ! "$ODOO_PYTHON" -c 'import importlib.metadata as m; m.version("odoo-addon-queue_job")' \
    >/dev/null 2>&1 \
    || ! "$ODOO_PYTHON" -m ruff --version >/dev/null 2>&1; then
    echo "The test tools are missing: $ODOO_PYTHON -m pip install -r requirements-test.txt" >&2
    fail "tools: missing (see requirements-test.txt)"
    finish
fi

# The UI tours run in a headless Chromium; without one Odoo would skip them.
if ! command -v chromium >/dev/null && ! command -v google-chrome >/dev/null \
    && ! command -v chromium-browser >/dev/null; then
    echo "No Chromium found for the UI tours: apt-get install chromium" >&2
    fail "chromium: not found"
    finish
fi

# -- Lint ------------------------------------------------------------------------------
echo "== lint =="
lint_errors=0
"$ODOO_PYTHON" -m ruff check . || lint_errors=$((lint_errors + 1))
"$ODOO_PYTHON" -m ruff format --check . || lint_errors=$((lint_errors + 1))
"$ODOO_PYTHON" -m pylint --rcfile=.pylintrc-mandatory "${ADDONS[@]}" \
    || lint_errors=$((lint_errors + 1))
"$ODOO_PYTHON" tests/check_xml.py "${ADDONS[@]}" || lint_errors=$((lint_errors + 1))
"$ODOO_PYTHON" setup/gen_readme.py --check "${ADDONS[@]}" || lint_errors=$((lint_errors + 1))
# XML style: prettier with its XML plugin, installed beside it (npm i prettier @prettier/plugin-xml).
if prettier_bin=$(command -v "${PRETTIER:-prettier}"); then
    xml_plugin="$(dirname "$(readlink -f "$prettier_bin")")/../../@prettier/plugin-xml/src/plugin.js"
    "$prettier_bin" --plugin="$xml_plugin" --check --log-level=warn \
        "${ADDONS[@]/%//**/*.xml}" || lint_errors=$((lint_errors + 1))
else
    echo "prettier not found: XML style not checked (npm i -g prettier @prettier/plugin-xml)"
fi
if [ "$lint_errors" -eq 0 ]; then pass "lint: ok"; else fail "lint: $lint_errors tool(s) failed"; fi

# -- Pure engine tests -----------------------------------------------------------------
echo "== pure tests =="
"$ODOO_PYTHON" -m pytest tests -q \
    --junitxml="$OUT/pure.xml" 2>&1 | tee "$OUT/pure.log"
pure_rc=${PIPESTATUS[0]}
pure_line=$("$ODOO_PYTHON" tests/junit_count.py "$OUT/pure.xml" pure)
if [ "$pure_rc" -eq 0 ]; then pass "$pure_line"; else fail "$pure_line"; fi

# -- Odoo: install with demo data and run the addons' tests ----------------------------
addons_path=$("$ODOO_PYTHON" -c 'from odoo.tools import config
config._parse_config([])
print(config["addons_path"])')
addons_path="$addons_path,$ROOT"
addons_csv=$(IFS=,; echo "${ADDONS[*]}")
# Tests that need Odoo's HTTP server get it on a free port, whatever else runs here.
http_port=$("$ODOO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
odoo() { "$ODOO_PYTHON" -m odoo --addons-path="$addons_path" --http-port="$http_port" --stop-after-init "$@"; }
dropdbs() { for db in "$DB_PREFIX" "${DB_PREFIX}_nodemo"; do dropdb --if-exists "$db" 2>/dev/null; done; }
trap dropdbs EXIT

echo "== odoo tests (database $DB_PREFIX) =="
test_tags=$(printf '/%s,' "${ADDONS[@]}")
# Charges to saved payment methods are tested against Odoo's demo payment provider.
odoo -d "$DB_PREFIX" -i "$addons_csv,payment_demo" --test-enable --test-tags="${test_tags%,}" --log-level=test \
    --logfile="$OUT/odoo-test.log"
test_line=$("$ODOO_PYTHON" tests/odoo_log.py "$OUT/odoo-test.log" "${ADDONS[@]}")
test_rc=$?
echo "$test_line"
if [ "$test_rc" -eq 0 ]; then pass "$(tail -n 1 <<<"$test_line")"; else fail "$(tail -n 1 <<<"$test_line")"; fi

# -- pytest-odoo: one test on the database just built, the way DEVELOP.md runs one -------
echo "== pytest-odoo (database $DB_PREFIX) =="
"$ODOO_PYTHON" -m pytest -p odoo --odoo-database="$DB_PREFIX" --odoo-addons-path="$addons_path" \
    recurring_billing/tests/test_plan.py -k test_interval_must_be_positive -q \
    --junitxml="$OUT/pytest-odoo.xml" >"$OUT/pytest-odoo.log" 2>&1
pytest_odoo_rc=$?
pytest_odoo_line=$("$ODOO_PYTHON" tests/junit_count.py "$OUT/pytest-odoo.xml" pytest-odoo 2>&1)
# Exactly one test must have run and passed: a skipped or deselected one proves nothing.
if [ "$pytest_odoo_rc" -eq 0 ] && [ "$pytest_odoo_line" = "pytest-odoo: 1 passed, 0 failed" ]; then
    pass "pytest-odoo: ok"
else
    cat "$OUT/pytest-odoo.log"
    fail "pytest-odoo: failed (see .ci/out/pytest-odoo.log)"
fi

# -- Uninstall the dashboard, mrr_analytics, then recurring_billing ----------------------
echo "== uninstall =="
"$ODOO_PYTHON" -m odoo shell --addons-path="$addons_path" --no-http -d "$DB_PREFIX" \
    --logfile="$OUT/odoo-uninstall.log" <"$ROOT/tests/uninstall.py" >"$OUT/uninstall.out" 2>&1
if grep -q "^uninstalled: ${ADDONS[*]}$" "$OUT/uninstall.out" \
    && ! grep -qE " (WARNING|ERROR|CRITICAL) " "$OUT/odoo-uninstall.log"; then
    pass "uninstall: ok"
else
    cat "$OUT/uninstall.out"
    grep -E " (WARNING|ERROR|CRITICAL) " "$OUT/odoo-uninstall.log"
    fail "uninstall: failed (see .ci/out/odoo-uninstall.log)"
fi

# -- Odoo: install without demo data ---------------------------------------------------
echo "== install without demo data =="
odoo -d "${DB_PREFIX}_nodemo" -i "$addons_csv" --without-demo=all --log-level=info \
    --logfile="$OUT/odoo-nodemo.log"
if [ $? -eq 0 ] && ! grep -qE "^\S+ \S+ [0-9]+ (WARNING|ERROR|CRITICAL) " "$OUT/odoo-nodemo.log"; then
    pass "install without demo: ok"
else
    grep -E "^\S+ \S+ [0-9]+ (WARNING|ERROR|CRITICAL) " "$OUT/odoo-nodemo.log" | head -20
    fail "install without demo: WARNING/ERROR logged (see .ci/out/odoo-nodemo.log)"
fi

finish
