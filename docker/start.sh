#!/usr/bin/env bash
# First start: create the database with the addons and demo data. Then serve it.
set -euo pipefail
DB=${ODOO_DB:-odoo}
DB_ARGS=(--db_host "${HOST:-db}" --db_user "${USER:-odoo}" --db_password "${PASSWORD:-odoo}")
export PGHOST=${HOST:-db} PGUSER=${USER:-odoo} PGPASSWORD=${PASSWORD:-odoo}
until pg_isready -q; do sleep 1; done
if ! psql -lqt | cut -d'|' -f1 | grep -qw "$DB"; then
    odoo "${DB_ARGS[@]}" -d "$DB" -i recurring_billing,mrr_analytics,mrr_analytics_dashboard \
        --stop-after-init
fi
exec odoo "${DB_ARGS[@]}" -d "$DB" --db-filter="^${DB}\$"
