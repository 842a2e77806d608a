import pytest
from django.contrib.auth import get_user_model

from editorial.roles import give_role


@pytest.fixture
def user_with_role(db):
    def make(role):
        user = get_user_model().objects.create_user(username=f"{role}-user", password="a long test password")
        if role != "anonymous":
            give_role(user, role)
        return user

    return make


@pytest.fixture
def editor(user_with_role):
    return user_with_role("editor")
