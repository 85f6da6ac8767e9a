"""The WSGI application of the load benchmark: the portal with bench.load.settings."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load.settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
