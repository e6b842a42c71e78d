"""Every doctor check, one module per check-id prefix."""
