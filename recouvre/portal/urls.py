from django.urls import path

from . import actions, pay, views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/invoices/<int:invoice>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("<str:token>/pay/", pay.pay, name="pay"),
    path("<str:token>/pay/card/", pay.pay_checkout, name="pay_checkout"),
    path("<str:token>/pay/done/", pay.pay_done, name="pay_done"),
    path("<str:token>/promise/", actions.promise, name="promise"),
    path("<str:token>/dispute/", actions.dispute, name="dispute"),
    path("<str:token>/already-paid/", actions.already_paid, name="already_paid"),
    path("<str:token>/plan/", actions.plan, name="plan"),
    path("<str:token>/contact/", actions.contact, name="contact"),
]
