from django.urls import path

from . import pay, views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/invoices/<int:invoice>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("<str:token>/pay/", pay.pay, name="pay"),
    path("<str:token>/pay/card/", pay.pay_checkout, name="pay_checkout"),
    path("<str:token>/pay/done/", pay.pay_done, name="pay_done"),
]
