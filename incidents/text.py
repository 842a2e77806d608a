"""Text at the door and at the exit.

At the door: a control character (other than tab and newline) in any text
a writer sends is refused with a field error naming it, wherever the text
comes in (the API and the admin run full_clean, whose clean_fields is
`CleanText`'s; importers drop them first with `without_control_characters`,
since a feed's stray byte is no reason to lose its record). Carriage
returns are not refused but turned into newlines: browsers send textarea
lines as CRLF.

At the exit: every format gets only what it can carry, so one bad row
written before these rules (or by raw SQL) never takes a feed, an export
or a PDF down: `for_xml` keeps what XML 1.0 allows, `for_csv` drops
control characters and keeps a spreadsheet from running a cell as a formula.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models

# C0 controls but tab and newline (carriage return is normalised first), DEL, and the C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What XML 1.0 cannot carry at all: C0 controls but tab, newline and return; lone surrogates; U+FFFE, U+FFFF.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def control_character_error(text: str) -> str | None:
    """The message a writer reads for text with a control character, or None."""
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    return (
        f"Remove the control character U+{ord(found.group()):04X} (at position {found.start() + 1}): "
        "text may hold letters, punctuation, tabs and new lines, not control characters."
    )


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", normalise_newlines(text))


def for_xml(text):
    """`text` without what XML 1.0 cannot carry (non-strings pass through)."""
    return NOT_IN_XML.sub("", text) if isinstance(text, str) else text


def for_csv(text: str) -> str:
    """`text` as a CSV cell (every CSV we write: the API's, the insights
    charts'): without control characters, and a leading = + - @, which
    Excel and LibreOffice evaluate as a formula, kept as text by an
    apostrophe. A number ("-3", "+1.5") is left as it is: it is read as the
    number, never run."""
    text = CONTROL_CHARACTERS.sub("", text)
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class CleanTextForm:
    """For a plain form (not a model's): its text fields refuse control
    characters with the same message, and carriage returns become newlines."""

    def _clean_fields(self):
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str):
                value = self.cleaned_data[name] = normalise_newlines(value)
                if message := control_character_error(value):
                    self.add_error(name, message)


class CleanText(models.Model):
    """Refuses control characters in every text field of the model (and in
    the items of a list of texts), and turns carriage returns into newlines,
    when the model is validated (full_clean): the admin's forms, the API's
    serializers and the importers all validate before they write."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str):
                value = normalise_newlines(value)
                setattr(self, field.attname, value)
                texts = [value]
            elif isinstance(value, list):
                texts = [item for item in value if isinstance(item, str)]
            else:
                continue
            for text in texts:
                if message := control_character_error(text):
                    errors[field.name] = [message]
                    break
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
