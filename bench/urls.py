"""The app's URLs plus the naive viewset the benchmark compares against."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench.naive import NaiveClaimViewSet
from config.urls import urlpatterns as app_urlpatterns

router = SimpleRouter()
router.register("claims", NaiveClaimViewSet, basename="naive-claim")

urlpatterns = [
    path("bench/naive/", include(router.urls)),
    *app_urlpatterns,
]
