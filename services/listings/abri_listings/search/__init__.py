"""Search of published units for social workers: filters, sort orders and keyset cursors."""
