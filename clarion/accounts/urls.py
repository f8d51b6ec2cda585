from django.urls import path

from clarion.accounts.views import account, enrol, login, people

app_name = "accounts"

urlpatterns = [
    path("", account.landing, name="landing"),
    path("login/", login.login, name="login"),
    path("login/code/", login.login_code, name="login_code"),
    path("logout/", login.logout, name="logout"),
    path("enrol/", enrol.enrol, name="enrol"),
    path("enrol/account/", enrol.enrol_account, name="enrol_account"),
    path("enrol/code/", enrol.enrol_code, name="enrol_code"),
    path("recover/", account.recover, name="recover"),
    path("account/", account.home, name="home"),
    path("account/password/", account.change_password, name="change_password"),
    path("people/", people.people, name="people"),
    path("people/invite/", people.invite, name="invite"),
    path("people/<int:user_id>/reset/", people.reset, name="reset"),
    path("people/<int:user_id>/active/", people.set_active, name="set_active"),
]
