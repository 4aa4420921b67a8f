"""Cells a spreadsheet will not run: the one rule of every CSV the site writes.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
run as a formula by Excel or LibreOffice (OWASP "CSV injection"): it gets a leading
apostrophe, so the shown text keeps its meaning and the formula is gone. Numbers
(negative ones too) stay numbers. Used by the KPI exports (``community.kpis.formats``),
the audit log's export and the attendee lists of events.
"""

import json
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` as a safe CSV cell: see the module docstring."""
    kind = type(value)  # the common cases first: this runs for every cell
    if kind is int or kind is float:
        return value
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
