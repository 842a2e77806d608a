from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404

from incidents.text import CleanTextForm
from incidents.visibility import resolve_public_id

from .models import Submission

ALLOWED_FILE_TYPES = {".pdf", ".html", ".htm", ".txt", ".md", ".png", ".jpg", ".jpeg", ".webp"}
MAX_DESCRIPTION = 20_000


class SubmissionForm(CleanTextForm, forms.Form):
    kind = forms.ChoiceField(choices=Submission.Kind.choices, widget=forms.RadioSelect, initial=Submission.Kind.NEW_INCIDENT)
    incident = forms.CharField(
        required=False, max_length=20, label="Incident identifier",
        help_text="For evidence: the identifier of the incident, e.g. AIKB-2025-0001.",
    )
    title = forms.CharField(required=False, max_length=300, help_text="For a new incident: what happened, in a line.")
    url = forms.URLField(required=False, max_length=1000, label="URL", assume_scheme="https")
    citation = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text="When there is no URL: the paper, book or broadcast.")
    description = forms.CharField(max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text="What happened, or what this evidence shows.")
    file = forms.FileField(required=False, help_text="Optional: a PDF, HTML page, text or image.")
    contact_email = forms.EmailField(required=False, help_text="Optional; never published.")
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean_incident(self):
        public_id = self.cleaned_data["incident"].strip().upper()
        if not public_id:
            return None
        try:
            # A merged entry's evidence goes to the entry it was merged into.
            return resolve_public_id(public_id)
        except Http404:
            raise forms.ValidationError("No published incident has this identifier.") from None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        limit = settings.AIKB_SUBMISSION_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes.")
        if Path(upload.name).suffix.lower() not in ALLOWED_FILE_TYPES:
            raise forms.ValidationError("Upload a PDF, HTML, text or image file ("
                                        + ", ".join(sorted(ALLOWED_FILE_TYPES)) + ").")
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == Submission.Kind.EVIDENCE and not data.get("incident") and "incident" not in self.errors:
            self.add_error("incident", "Name the incident this evidence is about.")
        if data.get("kind") == Submission.Kind.NEW_INCIDENT and not data.get("title"):
            self.add_error("title", "Give the new incident a title.")
        if not data.get("url") and not data.get("citation") and "url" not in self.errors:
            self.add_error("url", "Give a URL or a citation, so an editor can check the source.")
        return data

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))
