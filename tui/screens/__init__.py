"""One module per area of the workstation."""
