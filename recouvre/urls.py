from django.contrib.auth import views as auth_views
from django.urls import include, path

from recouvre.api.api import api
from recouvre.web import auth

urlpatterns = [
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("recouvre.portal.urls")),
    path("payments/", include("recouvre.payments.urls")),
    path("", include("recouvre.web.urls")),
]
