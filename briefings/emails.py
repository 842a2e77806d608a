"""The emails subscribers receive: the confirmation link and the digest
(HTML summary, plain-text part, the PDF attached, and a signed one-click
unsubscribe link in the body and in the List-Unsubscribe headers)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .signing import confirmation_token, unsubscribe_token


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(subscription) -> str:
    return absolute(reverse("digest-unsubscribe", args=[unsubscribe_token(subscription)]))


def confirmation_url(subscription) -> str:
    return absolute(reverse("digest-confirm", args=[confirmation_token(subscription)]))


def _message(subject: str, template: str, context: dict, to: str, headers=None) -> EmailMultiAlternatives:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def send_confirmation(subscription) -> None:
    """Email the signed confirmation link (double opt-in)."""
    from .digests import DigestFilter

    context = {
        "subscription": subscription,
        "filter_label": DigestFilter.for_subscription(subscription).label,
        "confirm_url": confirmation_url(subscription),
        "archive_url": absolute(reverse("digest-archive")),
    }
    _message("Confirm your AI incident digest subscription", "confirm_subscription", context, subscription.email).send()


def digest_message(subscription, digest, message_key: str = "") -> EmailMultiAlternatives:
    """The digest email for one subscriber, PDF attached. `message_key`
    (the delivery) fixes the Message-ID, so a resent copy has the same one."""
    link = unsubscribe_url(subscription)
    briefing = digest.briefing
    context = {
        "subscription": subscription,
        "digest": digest,
        "unsubscribe_url": link,
        "download_url": absolute(briefing.get_absolute_url()),
        "archive_url": absolute(reverse("digest-archive")),
        "highlights": getattr(digest, "highlights", []),
    }
    headers = {
        "List-Unsubscribe": f"<{link}>",
        # RFC 8058: mail clients may unsubscribe with one POST to the link.
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if message_key:
        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        headers["Message-ID"] = f"<aikb-digest-{message_key}@{domain}>"
    message = _message(briefing.title, "digest", context, subscription.email, headers)
    with briefing.file.open("rb") as pdf:
        message.attach(f"aikb-digest-{digest.cadence}-{digest.period_start:%Y-%m-%d}.pdf", pdf.read(), "application/pdf")
    return message
