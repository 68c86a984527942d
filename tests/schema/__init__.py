"""Schema tests: tables, constraints and rules of shared/SCHEMA.md, exercised with plain SQL."""
