from django.urls import path

from .views import aging, customers, home, imports, invoices, organizations

urlpatterns = [
    path("", home.home, name="home"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("aging/", aging.aging, name="aging"),
    path("aging/export.csv", aging.aging_csv, name="aging_csv"),
    path("aging/export.xlsx", aging.aging_xlsx_view, name="aging_xlsx"),
    path("imports/", imports.import_start, name="import"),
    path("imports/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/cancel/", imports.import_cancel, name="import_cancel"),
    path("organization/", organizations.switch_organization, name="switch_organization"),
]
