"""Tables (Markdown) and plots (PNG) written into a RUN_DIR."""
