"""API tokens, stored hashed.

A token is shown once when issued ("aikb_<prefix>_<secret>"); the database
keeps only its prefix (to find it and show it in the admin) and the SHA-256
of the whole string, so a leaked database does not leak usable tokens.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'newsroom scraper'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False, help_text="First characters, shown to identify the token.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the full token.")
    read_only = models.BooleanField(default=False, help_text="A read-only token can never write, whatever its user's permissions.")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to revoke the token; it then stops working.")

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.name}, {self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
