"""Front ends that are not the TUI (which lives in ``adventure.tui``)."""
