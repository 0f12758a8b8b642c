"""Counters that every replica adds to at once: one upsert statement (INSERT
... ON CONFLICT DO UPDATE) creates a row or adds to it, atomic on PostgreSQL
and SQLite alike, so that no count is lost, in one round trip."""

from django.db import connection, transaction


def add(model, key: dict, counts: dict, *, created=None, returning=None):
    """Add `counts` (field: number) to the row of `model` whose unique fields
    are `key`, made with the fields of `created` (and the others' defaults)
    when there is none yet.
    With `returning` (a field of `counts`), its value after the addition."""
    values = {**key, **(created or {}), **counts}
    # The rest as Model.objects.create() would make them.
    for field in model._meta.concrete_fields:
        if not field.primary_key and field.name not in values:
            values[field.name] = field.get_default()
    fields = {name: model._meta.get_field(name) for name in values}
    # Identifiers from the model, quoted; values as parameters.
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = {name: quote(field.column) for name, field in fields.items()}
    upsert = (
        f"INSERT INTO {table} ({', '.join(column.values())})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(values))})"
        f" ON CONFLICT ({', '.join(column[name] for name in key)}) DO UPDATE SET "
        + ", ".join(
            f"{column[name]} = {table}.{column[name]} + EXCLUDED.{column[name]}"
            for name in counts
        )
    )
    params = [
        fields[name].get_db_prep_save(value, connection)
        for name, value in values.items()
    ]
    if returning is None:
        with connection.cursor() as cursor:
            cursor.execute(upsert, params)
        return None
    if connection.features.can_return_columns_from_insert:
        with connection.cursor() as cursor:
            cursor.execute(f"{upsert} RETURNING {column[returning]}", params)
            return cursor.fetchone()[0]
    # RHEL 9's SQLite (3.34) predates RETURNING. Inside the transaction the
    # row stays locked by the upsert until the SELECT.
    where = " AND ".join(f"{column[name]} = %s" for name in key)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(upsert, params)
        cursor.execute(
            f"SELECT {column[returning]} FROM {table} WHERE {where}",  # noqa: S608
            params[: len(key)],
        )
        return cursor.fetchone()[0]
