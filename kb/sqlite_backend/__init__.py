"""Django's SQLite backend with ``PRAGMA optimize`` before each connection closes
(see ``base.py``). Selected in settings whenever ``DATABASE_URL`` is SQLite."""
