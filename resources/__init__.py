"""Package data: icons, the desktop entry and sample files."""
