from django.urls import path

from . import views

PREFIX = "incidents/<str:public_id>/serious-incident-reports/<int:pk>/"

urlpatterns = [
    path(PREFIX, views.report_detail, name="serious-incident-report"),
    path(PREFIX + "article73.json", views.report_article73, name="serious-incident-report-article73"),
    path(PREFIX + "code-of-practice.json", views.report_code_of_practice, name="serious-incident-report-cop"),
    path(PREFIX + "report.pdf", views.report_pdf, name="serious-incident-report-pdf"),
]
