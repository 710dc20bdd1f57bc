from django.urls import path

from kb import api

app_name = "api"

urlpatterns = [
    path("", api.root, name="root"),
    path("announcements/", api.announcement_list, name="announcements"),
    path("announcements/<slug:slug>/", api.announcement_detail, name="announcement"),
    path("clauses/", api.clause_list, name="clauses"),
    path("clauses/<int:pk>/", api.clause_detail, name="clause"),
    path("topics/", api.topic_list, name="topics"),
    path("parties/", api.party_list, name="parties"),
    path("openapi.json", api.openapi, name="openapi"),
]
