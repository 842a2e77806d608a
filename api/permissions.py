"""Reading is open; writing needs a token that is not read-only, of a user
holding the Django model permission for the write (add_/change_)."""

from rest_framework import permissions

from .models import ApiToken


class ReadAnyoneWriteWithModelPermission(permissions.DjangoModelPermissions):
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method.lower() not in getattr(view, "http_method_names", ()):
            return True  # the view answers 405, which says more than 403
        allowed = getattr(view, "_allowed_methods", lambda: None)()
        if allowed is not None and request.method.upper() not in allowed:
            return True
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if token.read_only:
            self.message = "This token is read-only."
            return False
        return super().has_permission(request, view)
