from django.urls import path

from clarion.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("send/<slug:slug>/", views.submit, name="submit"),
    path("receipt/", views.receipt, name="receipt"),
    path("login/", views.login, name="login"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/files/<int:file_id>/", views.download_file, name="file"),
    path("logout/", views.logout, name="logout"),
    path("guide/<slug:slug>/", views.guidance, name="guidance"),
]
