from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/invoices/<int:invoice>.pdf", views.invoice_pdf, name="invoice_pdf"),
]
