"""Small helpers shared by the models of this addon."""


def selection_label(record, field_name, value=None):
    """The translated label of ``value`` (default: the record's) in a selection field."""
    field = record._fields[field_name]
    key = record[field_name] if value is None else value
    return dict(field._description_selection(record.env))[key]
