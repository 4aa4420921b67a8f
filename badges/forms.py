"""The forms of the badges pages. They shape what a person typed; the rules of what is
allowed (thresholds, ladders, who may endorse whom) are the actions' (``badges.actions``),
whose ValidationErrors the views put back on these forms (``community.forms.apply_errors``).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from badges import levels, rules
from badges.models import ICONS, Badge
from community.validators import validate_single_line

MANUAL = "manual"  # the "template" of a badge granted by hand


def template_choices(scope):
    """(key, label) of the templates that make sense for ``scope`` ("community" or
    "site"), and the manual badge."""
    return [
        *((rule.key, rule.label) for rule in rules.all() if scope in rule.scopes),
        (MANUAL, _("Granted by hand (no rule)")),
    ]


class TemplateForm(forms.Form):
    """Step one of creating a badge: which template (a GET form: works without script)."""

    template = forms.ChoiceField(label=_("Template"))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices(scope)


class BadgeForm(forms.Form):
    """Step two: the badge's details and the template's settings (``param_<key>`` fields)."""

    name = forms.CharField(label=_("Name"), max_length=60, validators=[validate_single_line])
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    icon = forms.ChoiceField(
        label=_("Icon"), choices=[(icon, icon) for icon in ICONS], widget=forms.RadioSelect
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Badge.Tier.choices, initial="bronze")
    kind = forms.ChoiceField(label=_("Kind"), choices=Badge.Kind.choices)
    is_title = forms.BooleanField(label=_("Can be worn as a title"), required=False)

    def __init__(self, *args, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["icon"].initial = ICONS[0]
        self.fields["kind"].initial = rule.kind if rule is not None else Badge.Kind.BADGE
        for param in rule.params if rule is not None else ():
            if param.kind == "slug":
                field = forms.CharField(label=param.label, max_length=50, required=False)
            else:
                field = forms.IntegerField(
                    label=param.label,
                    min_value=param.minimum,
                    max_value=param.maximum,
                    initial=param.default,
                )
            self.fields[f"param_{param.key}"] = field

    def params(self):
        """The template's settings, as ``badges.rules.validate_params`` reads them."""
        return {
            name.removeprefix("param_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("param_")
        }

    def add_error(self, field, error):
        # The action names its settings "params": put them next to the settings' fields.
        if field == "params" and self.rule is not None and len(self.rule.params) == 1:
            field = f"param_{self.rule.params[0].key}"
        elif field is not None and field not in self.fields:
            field = None
        super().add_error(field, error)


class GrantForm(forms.Form):
    username = forms.CharField(label=_("Member's username"), max_length=150)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the activity log."),
        widget=forms.TextInput,
    )


class LevelsForm(forms.Form):
    """The ladder: a name and the points needed per row, empty rows left out."""

    def __init__(self, *args, ladder=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ladder_length = len(ladder)
        for number in range(levels.MAX_LEVELS):
            step = ladder[number] if number < len(ladder) else None
            self.fields[f"name_{number}"] = forms.CharField(
                label=_("Level %(number)d name") % {"number": number + 1},
                max_length=40,
                required=False,
                initial=step.name if step else "",
            )
            self.fields[f"threshold_{number}"] = forms.IntegerField(
                label=_("Points needed for level %(number)d") % {"number": number + 1},
                required=False,
                initial=step.threshold if step else None,
            )

    def rows(self):
        """(name field, threshold field) per level for the template's table: the ladder's
        rows and two empty ones to add more (all ten once filled)."""
        shown = min(levels.MAX_LEVELS, self.ladder_length + 2)
        if self.is_bound:
            filled = [
                number
                for number in range(levels.MAX_LEVELS)
                if self.data.get(f"name_{number}") or self.data.get(f"threshold_{number}")
            ]
            shown = max(shown, min(levels.MAX_LEVELS, (filled[-1] + 2) if filled else 0))
        return [(self[f"name_{n}"], self[f"threshold_{n}"]) for n in range(shown)]

    def steps(self):
        """``[(name, threshold)]`` of the rows filled in (``set_levels`` checks the rest)."""
        steps = []
        for number in range(levels.MAX_LEVELS):
            name = self.cleaned_data.get(f"name_{number}") or ""
            threshold = self.cleaned_data.get(f"threshold_{number}")
            if name.strip() or threshold is not None:
                steps.append((name, threshold))
        return steps


class QualityForm(forms.Form):
    name = forms.CharField(label=_("New quality"), max_length=60)


class EndorseForm(forms.Form):
    """Endorse a member: a quality of a community both belong to, and optionally one of
    their posts there as the evidence."""

    quality = forms.ChoiceField(label=_("Quality"))
    post = forms.ChoiceField(label=_("The post that shows it (optional)"), required=False)

    def __init__(self, *args, communities=(), qualities=None, posts=(), **kwargs):
        from badges import qualities as quality_names

        super().__init__(*args, **kwargs)
        self.communities = {community.slug: community for community in communities}
        listed = qualities or {}
        self.fields["quality"].choices = [
            (
                community.name,
                [
                    (f"{community.slug}/{quality.slug}", quality_names.label(quality))
                    for quality in listed.get(community.pk, ())
                ],
            )
            for community in communities
        ]
        self.posts = {str(post.pk): post for post in posts}
        self.fields["post"].choices = [
            ("", _("No post")),
            *((str(post.pk), f"{post.thread.title} (#{post.number})") for post in posts),
        ]

    def clean(self):
        data = super().clean()
        community_slug, _slash, quality = (data.get("quality") or "").partition("/")
        community = self.communities.get(community_slug)
        if community is None and "quality" not in self.errors:
            raise ValidationError(_("Choose a quality."))
        data["community"], data["quality_slug"] = community, quality
        post = data.get("post")
        data["post_id"] = int(post) if post else None
        return data


class ShowcaseForm(forms.Form):
    """What a member adds to their profile, among the badges they hold (``awards``)."""

    motto = forms.CharField(
        label=_("Motto"), max_length=120, required=False, validators=[validate_single_line]
    )
    cover = forms.FileField(
        label=_("Cover picture"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP image, at most 5 MB. It is cropped to a wide band."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    remove_cover = forms.BooleanField(label=_("Remove my cover picture"), required=False)
    title = forms.ChoiceField(label=_("Title"), required=False)
    featured = forms.MultipleChoiceField(
        label=_("Featured badges (up to 3)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hidden = forms.MultipleChoiceField(
        label=_("Hidden from my profile"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, awards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.awards = {str(award.pk): award for award in awards}
        self.badges = {str(award.badge_id): award.badge for award in awards}
        self.fields["title"].choices = [
            ("", _("No title")),
            *(
                (str(award.badge_id), f"{award.badge.icon} {award.badge.name}")
                for award in awards
                if award.badge.is_title
            ),
        ]
        self.fields["featured"].choices = [
            (str(award.badge_id), f"{award.badge.icon} {award.badge.name}") for award in awards
        ]
        self.fields["hidden"].choices = [
            (str(award.pk), f"{award.badge.icon} {award.badge.name}") for award in awards
        ]

    def clean_featured(self):
        chosen = self.cleaned_data["featured"]
        if len(chosen) > 3:
            raise ValidationError(_("Feature at most 3 badges."), code="too_many_featured")
        return chosen
