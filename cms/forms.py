"""The admin's forms for content pages: an audience is never empty, and an offer's
pool of unique codes is imported from a CSV file."""

import csv
import io

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm

from community import audiences

MAX_CODES_FILE_BYTES = 2 * 1024 * 1024
MAX_CODE_LENGTH = 64


class ContentPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == audiences.CHOSEN:
            rules = self.formsets.get("audience_rules")
            if rules is not None:
                # modelcluster validates the formsets after this form: clean them now.
                rules.full_clean()
            kept = [
                form
                for form in (rules.forms if rules is not None else [])
                if form.has_changed() or form.instance.pk
                if not (rules.can_delete and rules._should_delete_form(form))
            ]
            if not kept:
                self.add_error(
                    "audience",
                    _(
                        "Choose who this is for: add at least one rule (a community, a "
                        "badge or a level), or pick another audience."
                    ),
                )
        return cleaned


def parse_codes(upload):
    """The codes of a CSV file: its first column, one per line, without blanks, a
    ``code`` header, or repeats. Raises ``forms.ValidationError`` on a file that is
    too large, not text, or holds a code that is too long."""
    if upload.size > MAX_CODES_FILE_BYTES:
        raise forms.ValidationError(_("The file is too large (2 MB at most)."))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
    codes = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        code = row[0].strip() if row else ""
        if not code or (number == 1 and code.lower() == "code"):
            continue
        if len(code) > MAX_CODE_LENGTH:
            raise forms.ValidationError(
                _("Line %(line)d: a code has at most %(max)d characters.")
                % {"line": number, "max": MAX_CODE_LENGTH}
            )
        codes[code] = None
    if not codes:
        raise forms.ValidationError(_("The file holds no code."))
    return list(codes)


class OfferPageForm(ContentPageForm):
    codes_csv = forms.FileField(
        label=gettext_lazy("Import unique codes"),
        required=False,
        help_text=gettext_lazy(
            "A CSV file, one code per line in its first column. Codes already in the "
            "pool are skipped."
        ),
    )

    def clean_codes_csv(self):
        upload = self.cleaned_data.get("codes_csv")
        return parse_codes(upload) if upload else []

    def save(self, commit=True):
        page = super().save(commit=commit)
        # Imported once the page has its row (cms.offers.admin, after create or edit).
        page._codes_to_import = self.cleaned_data.get("codes_csv") or []
        return page
