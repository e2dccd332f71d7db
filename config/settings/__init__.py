"""Settings packages: ``dev`` (default for manage.py), ``test`` and ``production``."""
