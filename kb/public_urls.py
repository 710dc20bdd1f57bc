from django.urls import path

from kb import feeds, views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/facets/", views.search_facets, name="search_facets"),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/<slug:slug>/", views.announcement_detail, name="announcement"),
    path("clauses/<int:pk>/", views.clause_detail, name="clause"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("parties/", views.party_list, name="parties"),
    path("parties/<slug:slug>/", views.party_detail, name="party"),
    path("in-force/", views.in_force, name="in_force"),
    path("feeds/announcements/", feeds.LatestAnnouncementsFeed(), name="feed_announcements"),
    path("feeds/search/", feeds.SearchFeed(), name="feed_search"),
]
