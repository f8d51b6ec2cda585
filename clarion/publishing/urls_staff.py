from django.urls import path

from clarion.publishing import editorial

app_name = "editorial"

urlpatterns = [
    path("", editorial.post_list, name="list"),
    path("new/", editorial.post_new, name="new"),
    path("from-tip/<uuid:tip_id>/", editorial.draft_from_tip, name="from_tip"),
    path("media/<str:name>", editorial.media_file, name="media"),
    path("<int:post_id>/", editorial.post_detail, name="post"),
    path("<int:post_id>/edit/", editorial.post_edit, name="edit"),
    path("<int:post_id>/revisions/<int:number>/", editorial.revision_detail, name="revision"),
    path("<int:post_id>/revisions/<int:number>/purge/", editorial.revision_purge, name="revision_purge"),
    path("<int:post_id>/rearm/", editorial.rearm, name="rearm"),
    path("<int:post_id>/submit/", editorial.submit, name="submit"),
    path("<int:post_id>/check/", editorial.run_check, name="check"),
    path("<int:post_id>/approve/", editorial.approve, name="approve"),
    path("<int:post_id>/send-back/", editorial.send_back, name="send_back"),
    path("<int:post_id>/retract/", editorial.retract, name="retract"),
    path("<int:post_id>/flags/redact/", editorial.redact, name="redact"),
    path("<int:post_id>/flags/keep/", editorial.keep, name="keep"),
    path("<int:post_id>/media/", editorial.media_upload, name="media_upload"),
    path("<int:post_id>/media/<int:media_id>/remove/", editorial.media_remove, name="media_remove"),
]
