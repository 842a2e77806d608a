import pytest
from django.contrib.auth import get_user_model

from editorial.roles import give_role


@pytest.fixture
def roles(db):
    """The role groups, remade if a transactional test elsewhere flushed the database."""
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from editorial.roles import ROLES, apply_roles

    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        ContentType.objects.clear_cache()
        apply_roles(apps)


@pytest.fixture
def user_with_role(roles):
    def make(role):
        user = get_user_model().objects.create_user(username=f"{role}-user", password="a long test password")
        if role != "anonymous":
            give_role(user, role)
        return user

    return make


@pytest.fixture
def editor(user_with_role):
    return user_with_role("editor")
