"""The desktop window: the only package that imports PySide6.

Widgets call services through `tasks.DbWorker` (one thread owning the UI's database
connection) and never open the database or the network themselves.
"""
