"""The moderators' "words" and "trust" tabs."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import permissions
from community import queries as community_queries
from community.errors import Conflict
from forums.moderation.prevention import actions, queries
from forums.moderation.prevention.models import MemberTrust, TrustPolicy, WatchedWord


class WordForm(forms.Form):
    pattern = forms.CharField(label=gettext_lazy("Word, phrase or glob"), max_length=60)
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=WatchedWord.Action.choices)
    replacement = forms.CharField(label=gettext_lazy("Replacement"), max_length=60, required=False)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = TrustPolicy
        fields = TrustPolicy.FIELDS


def _errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))


@login_required
def words_page(request, slug):
    community = community_queries.community_for(request.user, slug)
    permissions.check_manage(request.user, community)
    form = WordForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            word = get_object_or_404(WatchedWord, pk=request.POST["remove"], community=community)
            actions.remove_watched_word(request.user, word)
            messages.success(request, _("The word is no longer watched."))
            return redirect("moderation_words", community.slug)
        if form.is_valid():
            try:
                actions.add_watched_word(request.user, community, **form.cleaned_data)
            except ValidationError as error:
                _errors(
                    form,
                    ValidationError({"pattern": error.messages})
                    if not hasattr(error, "error_dict")
                    else error,
                )
            except (PermissionDenied, Conflict) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The word is watched."))
                return redirect("moderation_words", community.slug)
    return render(
        request,
        "moderation/prevention/words.html",
        {"community": community, "form": form, "words": queries.watched_words(community)},
    )


@login_required
def trust_page(request, slug):
    community = community_queries.community_for(request.user, slug)
    permissions.check_moderate(request.user, community)
    manager = permissions.can_manage(request.user, community)
    policy = TrustPolicy.objects.filter(community=community).first()
    form = PolicyForm(request.POST or None, instance=policy or TrustPolicy(community=community))
    if request.method == "POST":
        if "level" in request.POST:
            user = queries.member(community, request.POST.get("username", ""))
            try:
                actions.set_trust(
                    request.user,
                    community,
                    user,
                    level=request.POST["level"],
                    reason=request.POST.get("reason", ""),
                )
            except (PermissionDenied, ValidationError) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("Trust level changed."))
            return redirect("moderation_trust", community.slug)
        if manager and form.is_valid():
            actions.update_policy(
                request.user, community, **{f: form.cleaned_data[f] for f in TrustPolicy.FIELDS}
            )
            messages.success(request, _("Settings saved."))
            return redirect("moderation_trust", community.slug)
    return render(
        request,
        "moderation/prevention/trust.html",
        {
            "community": community,
            "form": form,
            "manager": manager,
            "policy": policy,
            "members": queries.members_by_trust(community),
            "Level": MemberTrust.Level,
        },
    )
