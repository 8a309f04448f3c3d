"""Tables of derived report rows: read through the ORM, laid out here."""

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
