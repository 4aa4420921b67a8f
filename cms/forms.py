"""The admin's forms for content pages: an audience is never empty, and an offer's
pool of unique codes is imported from a CSV file."""

import csv
import io

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm

from cms import discussions
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
            self._check_discussion(cleaned, kept)
        return cleaned

    def _check_discussion(self, cleaned, rule_forms):
        rules = [
            audiences.Rule(
                kind=form.cleaned_data.get("kind", ""),
                community=form.cleaned_data.get("community"),
                badge=form.cleaned_data.get("badge"),
            )
            for form in rule_forms
            if hasattr(form, "cleaned_data")
        ]
        community = cleaned.get("discussion_community")
        if not discussions.discussion_fits(rules, community):
            names = ", ".join(c.name for c in discussions.hidden_communities(rules))
            self.add_error(
                "discussion_community",
                _(
                    "This content is for members of %(communities)s, which outsiders may "
                    "not know of: open its discussion there, not in %(community)s."
                )
                % {"communities": names, "community": community.name},
            )


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
    # newline="": the csv module reads any line ending (an old Mac's CR included).
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(rows, start=1):
            code = row[0].strip() if row else ""
            if not code or (number == 1 and code.lower() == "code"):
                continue
            if len(code) > MAX_CODE_LENGTH:
                raise forms.ValidationError(
                    _("Line %(line)d: a code has at most %(max)d characters.")
                    % {"line": number, "max": MAX_CODE_LENGTH}
                )
            codes[code] = None
    except csv.Error as error:
        raise forms.ValidationError(
            _("The file is not a readable CSV file (%(error)s).") % {"error": error}
        ) from None
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
