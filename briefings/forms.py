from django import forms

from incidents.models import Incident, TaxonomyTerm
from incidents.visibility import public_organisations

from .digests import DigestFilter
from .models import Cadence


class SubscriptionForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,  # the model's column; longer addresses must be a form error, not a database error
        error_messages={
            "invalid": "Enter a valid email address, e.g. name@example.org.",
            "max_length": "Enter a valid email address of at most 254 characters.",
        },
    )
    cadence = forms.ChoiceField(choices=Cadence.choices, initial=Cadence.WEEKLY, label="How often")
    taxonomy = forms.ModelChoiceField(
        TaxonomyTerm.objects.order_by("scheme", "code", "name"), required=False, empty_label="Any", label="Taxonomy term"
    )
    kind = forms.ChoiceField(choices=[("", "Any")] + list(Incident.Kind.choices), required=False)
    # Not an organisation only a draft names.
    organisation = forms.ModelChoiceField(public_organisations(), required=False, empty_label="Any")
    min_severity = forms.TypedChoiceField(
        choices=[("", "Any")] + [(value, f"{label} or higher") for value, label in Incident.Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Severity",
    )

    def digest_filter(self) -> DigestFilter:
        data = self.cleaned_data
        return DigestFilter(
            taxonomy=data.get("taxonomy"),
            kind=data.get("kind") or "",
            organisation=data.get("organisation"),
            min_severity=data.get("min_severity"),
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.digest_filter().matches_anything():
            raise forms.ValidationError(
                "No published incident matches this filter, so the digest would always be empty. "
                "Widen the filter (for example, choose \u201cAny\u201d severity)."
            )
        return cleaned
