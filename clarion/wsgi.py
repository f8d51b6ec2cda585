import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # files Clarion creates are readable by its own user alone
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clarion.settings")
application = get_wsgi_application()
