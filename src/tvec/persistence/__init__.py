"""SQLAlchemy 2 rows, repositories and the unit of work. ORM rows never leave this package."""
