"""French short dates with the month's name, as Intl writes them in ``static/js/dates.js``.

Names not set here fall back to Django's ``fr`` formats.
"""

SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y, H:i"  # 5 déc. 2026, 09:29
