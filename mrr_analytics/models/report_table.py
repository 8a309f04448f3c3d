"""Tables of derived report rows: read through the ORM, laid out here."""

from contextlib import contextmanager

from odoo.osv import expression
from odoo.tools import SQL, drop_view_if_exists, sql


def ensure_report_table(model, constraints=()):
    """Create ``model``'s table from its stored fields unless it already matches them.

    The rows are derived data that a rebuild writes by the hundred thousand, so the
    table has no foreign keys: their checks would cost several times the writes. A
    table whose columns or indexes no longer match the fields is dropped and created
    again, and the caller rebuilds it. ``constraints`` are table constraints as SQL
    text (their own indexes are not compared).
    Returns whether the table was created.
    """
    cr = model.env.cr
    table = model._table
    stored = [
        field
        for field in model._fields.values()
        if field.store and field.column_type and field.name != "id"
    ]
    expected = {"id": "int4"} | {field.name: field.column_type[0] for field in stored}
    current = {
        name: column["udt_name"]
        for name, column in sql.table_columns(cr, table).items()
    }
    indexed = {f"{table}__{field.name}_index" for field in stored if field.index}
    cr.execute(SQL("SELECT indexname FROM pg_indexes WHERE tablename = %s", table))
    indexes = {row[0] for row in cr.fetchall()} - {f"{table}_pkey"}
    if current == expected and indexed <= indexes:
        return False
    cr.execute(SQL("DROP TABLE IF EXISTS %s CASCADE", SQL.identifier(table)))
    columns = [SQL("id SERIAL PRIMARY KEY")] + [
        SQL(
            "%s %s%s",
            SQL.identifier(field.name),
            SQL(field.column_type[1]),
            SQL(" NOT NULL") if field.required else SQL(),
        )
        for field in stored
    ]
    cr.execute(
        SQL(
            "CREATE TABLE %s (%s)",
            SQL.identifier(table),
            SQL(", ").join(columns + [SQL(constraint) for constraint in constraints]),
        )
    )
    for field in stored:
        if field.index:
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (%s)",
                    SQL.identifier(f"{table}__{field.name}_index"),
                    SQL.identifier(table),
                    SQL.identifier(field.name),
                )
            )
    return True


# A full rebuild sorts, groups and joins every row of a company's history, once: in
# memory rather than in temporary files, and without compiling its expressions to
# machine code first (JIT pays off on queries run many times, not on these). Its rows
# are deleted and written again, not truncated nor written without their indexes: both
# would lock the reports, on a read replica too, until the rebuild commits.
REBUILD_SETTINGS = {"work_mem": "256MB", "jit": "off"}


@contextmanager
def rebuild_settings(cr):
    """Run the statements of the block with ``REBUILD_SETTINGS``, then restore the
    settings of the transaction. An error rolls them back with the block's work."""
    names = list(REBUILD_SETTINGS)
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(SQL("current_setting(%s)", name) for name in names),
        )
    )
    before = cr.fetchone()

    def apply(values):
        cr.execute(
            SQL(
                "SELECT %s",
                SQL(", ").join(
                    SQL("set_config(%s, %s, TRUE)", name, value)
                    for name, value in zip(names, values, strict=True)
                ),
            )
        )

    apply([REBUILD_SETTINGS[name] for name in names])
    yield
    apply(before)


def replace_view(model, query):
    """(Re)create ``model``'s table as the SQL view of ``query`` (an ``SQL`` object)."""
    drop_view_if_exists(model.env.cr, model._table)
    model.env.cr.execute(
        SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(model._table), query)
    )


def rows_differing(cr, table, columns, company_ids, query, limit=None):
    """Compare the rows of ``company_ids`` in ``table`` with those ``query`` selects.

    Both sides are read on ``columns`` and compared as multisets with EXCEPT ALL in
    the database, so that only the differences reach Python: a row stored twice but
    selected once is one stored-only row. ``limit`` caps the rows returned per side
    (all when None), each side sorted by ``columns``.
    Returns the stored rows ``query`` does not select and the selected rows not
    stored, as two lists of tuples: both empty when the table matches the query.
    """
    names = SQL(", ").join(SQL.identifier(name) for name in columns)
    cr.execute(
        SQL(
            """
            WITH stored AS (
                SELECT %(names)s FROM %(table)s
                 WHERE company_id = ANY(%(company_ids)s::int[])
            ), rebuilt AS (
                SELECT %(names)s FROM (%(query)s) AS rebuilt
            )
            SELECT * FROM (
                SELECT TRUE AS is_stored, * FROM (
                    SELECT * FROM stored EXCEPT ALL SELECT * FROM rebuilt
                     ORDER BY %(names)s LIMIT %(limit)s
                ) AS stored_only
                 UNION ALL
                SELECT FALSE, * FROM (
                    SELECT * FROM rebuilt EXCEPT ALL SELECT * FROM stored
                     ORDER BY %(names)s LIMIT %(limit)s
                ) AS rebuilt_only
            ) AS differing
             ORDER BY is_stored DESC, %(names)s
            """,
            names=names,
            table=SQL.identifier(table),
            company_ids=list(company_ids),
            query=query,
            limit=limit,
        )
    )
    rows = cr.fetchall()
    return (
        [row[1:] for row in rows if row[0]],
        [row[1:] for row in rows if not row[0]],
    )


def add_signed_rows(model, constraint, key, measures, changes, sign, companies):
    """Add ``sign`` × the rows ``changes`` selects to ``model``'s table of totals.

    ``changes`` selects the columns ``key`` (the totals' key, whose unique
    ``constraint`` an existing row is found by) and ``measures``; the measures of a
    row already there are moved by ``sign`` (1 or -1) × those of ``changes``. Rows of
    ``companies`` left with every measure at 0 are removed, so that adding and taking
    away the same rows leaves the table as it was. Rows are written in the order of
    their key, so that concurrent updates wait for each other instead of deadlocking.
    """
    table = SQL.identifier(model._table)
    columns = column_list("%(name)s", key + measures)
    model.env.cr.execute(
        SQL(
            """
            INSERT INTO %(table)s AS stored (%(columns)s)
            SELECT %(key)s, %(signed)s
              FROM (%(changes)s) AS change
             ORDER BY %(key)s
                ON CONFLICT ON CONSTRAINT %(constraint)s DO UPDATE
               SET %(added)s
            """,
            table=table,
            columns=columns,
            key=SQL(", ").join(SQL.identifier("change", name) for name in key),
            signed=SQL(", ").join(
                SQL("%s * %s", sign, SQL.identifier("change", name))
                for name in measures
            ),
            changes=changes,
            constraint=SQL.identifier(constraint),
            added=column_list(
                "%(name)s = stored.%(name)s + EXCLUDED.%(name)s", measures
            ),
        )
    )
    model.env.cr.execute(
        SQL(
            "DELETE FROM %s WHERE company_id = ANY(%s::int[]) AND %s",
            table,
            companies.ids,
            column_list("%(name)s = 0", measures, " AND "),
        )
    )
    model.invalidate_model()


def read_from_totals(
    model, domain, groupby, aggregates, having=(), offset=0, limit=None, order=None
):
    """Answer the grouped read of ``model`` from the totals kept of its rows.

    The arguments are those of ``_read_group``. The totals are those of the model
    ``model._totals_model``; ``model._totals_aggregates`` names the aggregate of the
    totals each aggregate of the rows is read as. The totals answer a read that only
    filters, groups and sorts by their key (``_totals_key``) and reads those
    aggregates, unless the context key ``<table of model>_lines`` asks for the rows
    themselves. Returns the groups, or None when the totals cannot answer.
    """
    aggregates_map = model._totals_aggregates
    totals = model.env[model._totals_model]
    if having or model.env.context.get(f"{model._table}_lines"):
        return None
    if any(spec not in aggregates_map for spec in aggregates):
        return None
    names = [spec.split(":")[0] for spec in groupby]
    order_terms = [term.strip().split(" ", 1) for term in (order or "").split(",")]
    names += [
        term[0].split(":")[0]
        for term in order_terms
        if term[0] and term[0] not in aggregates_map
    ]
    for leaf in expression.normalize_domain(domain):
        if expression.is_leaf(leaf) and leaf not in (
            expression.TRUE_LEAF,
            expression.FALSE_LEAF,
        ):
            names.append(leaf[0].split(".")[0])
    if any(name not in totals._totals_key for name in names):
        return None
    model.browse().check_access("read")
    return totals._read_group(
        domain,
        groupby,
        [aggregates_map[spec] for spec in aggregates],
        offset=offset,
        limit=limit,
        order=",".join(
            " ".join([aggregates_map.get(term[0], term[0])] + term[1:])
            for term in order_terms
            if term[0]
        )
        or None,
    )


def column_list(template, names, separator=", "):
    """``template``, an SQL text naming its column ``%(name)s``, for each column of
    ``names``, joined by ``separator``."""
    return SQL(separator).join(
        SQL(template, name=SQL.identifier(name)) for name in names
    )
