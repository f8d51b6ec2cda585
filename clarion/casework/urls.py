from django.urls import path

from clarion.casework import views

app_name = "casework"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:tip_id>/", views.tip_detail, name="tip"),
    path("<uuid:tip_id>/files/<int:file_id>/", views.download_file, name="file"),
    path("<uuid:tip_id>/reply/", views.reply, name="reply"),
    path("<uuid:tip_id>/notes/", views.add_note, name="note"),
    path("<uuid:tip_id>/case/", views.update_case, name="case"),
    path("<uuid:tip_id>/closure/propose/", views.propose_closure, name="propose_closure"),
    path("<uuid:tip_id>/closure/<int:closure_id>/approve/", views.approve_closure, name="approve_closure"),
    path("<uuid:tip_id>/closure/<int:closure_id>/withdraw/", views.withdraw_closure, name="withdraw_closure"),
    path("<uuid:tip_id>/export/", views.export, name="export"),
    path("<uuid:tip_id>/conflict/", views.declare_conflict, name="conflict"),
    path("<uuid:tip_id>/postpone/", views.postpone_destruction, name="postpone"),
    path("<uuid:tip_id>/share/", views.share, name="share"),
    path("<uuid:tip_id>/share/<int:user_id>/revoke/", views.revoke, name="revoke"),
]
