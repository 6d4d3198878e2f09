// Placeholder until the schema generator lands (see src/validate).
