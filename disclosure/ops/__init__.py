"""Operations: backup and restore of the database and the stored files.

A low-level package: it imports Django and the standard library only, and only the operators'
commands (``manage.py backup`` / ``restore``) import it. docs/operations.md describes its use.
"""
