"""The ``sentcast`` command line: thin command groups over the library."""
