import pytest


@pytest.fixture
def editor(user_with_role):
    return user_with_role("editor")
