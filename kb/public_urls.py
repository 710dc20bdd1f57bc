from django.urls import path

from kb import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("announcements/<slug:slug>/", views.announcement_detail, name="announcement"),
    path("clauses/<int:pk>/", views.clause_detail, name="clause"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("parties/<slug:slug>/", views.party_detail, name="party"),
]
