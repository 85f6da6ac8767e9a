"""The portal's URLs plus the ceiling: the smallest Django view, served by the same server."""

from django.http import HttpResponse
from django.urls import path

from louvrelens_social import urls as portal

# The error handlers must be in the root URLconf.
handler400 = portal.handler400
handler403 = portal.handler403
handler404 = portal.handler404
handler500 = portal.handler500


def ceiling(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling), *portal.urlpatterns]
