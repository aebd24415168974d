"""Item pipelines: validate, deduplicate and archive items; they never parse HTML."""
