"""The checklists vaudit ships, as TOML data.

Read with importlib.resources (see docs/checklist-format.md), so they load from a wheel too.
"""
