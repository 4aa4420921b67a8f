"""English dates for a European brand's members: day before month, 24-hour clock.

Django's own ``en`` formats are American (``12/05/2026 9:29 a.m.`` reads as
12 May in Europe). Names not set here fall back to Django's. The exact shape
matches what ``static/js/dates.js`` builds with Intl (``en-GB``).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 5 Dec 2026, 09:29
