import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.serving import prepare_serving_process  # noqa: E402 (needs the settings above)

prepare_serving_process()
