"""Backups that hold everything needed to start again: ``recouvre backup --out FILE`` and ``recouvre restore FILE``.

The archive (a gzip-compressed tar, written 0600) holds:

- ``database/recouvre.sqlite3``: a consistent copy of the SQLite database, taken with SQLite's online backup API
  (safe while Recouvre runs); or ``database/recouvre.pgdump``: ``pg_dump -Fc`` of the PostgreSQL database;
- ``media/documents/...``: the stored documents (invoice PDFs, contracts, delivery proofs...), at the paths the
  database records;
- ``secret_key``: the key that signs sessions (unless the key comes from ``RECOUVRE_SECRET_KEY``);
- ``manifest.json``: the format version, Recouvre's version, the database engine, the time it was made, the latest
  migration of each app, and every other file with its SHA-256 and size.

``manifest.py`` builds and checks the manifest (no Django), ``database.py`` copies and puts back the database,
``services.py`` makes and restores archives, ``cli.py`` is the two commands.
"""
