"""What several view modules share: the caller, error mappings, JSON views and schemas. A view
module never imports another view module (import-linter: api views are independent)."""
