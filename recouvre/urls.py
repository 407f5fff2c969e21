from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from recouvre.api.api import api
from recouvre.web import auth


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: the icon the pages name."""
    return redirect(static("web/favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("recouvre.portal.urls")),
    path("payments/", include("recouvre.payments.urls")),
    path("", include("recouvre.web.urls")),
]
