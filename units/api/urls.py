from rest_framework.routers import SimpleRouter

from .views import UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet)
