"""Modal screens: forms and confirmations that return a value."""
