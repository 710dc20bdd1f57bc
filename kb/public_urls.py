from django.urls import path

from kb import feeds
from kb.views import browse, in_force, records, search

app_name = "kb"

urlpatterns = [
    path("", records.home, name="home"),
    path("search/", search.search, name="search"),
    path("search/facets/", search.search_facets, name="search_facets"),
    path("announcements/", browse.announcement_list, name="announcements"),
    path("announcements/<slug:slug>/", records.announcement_detail, name="announcement"),
    path("clauses/<int:pk>/", records.clause_detail, name="clause"),
    path("topics/", browse.topic_list, name="topics"),
    path("topics/<slug:slug>/", records.topic_detail, name="topic"),
    path("parties/", browse.party_list, name="parties"),
    path("parties/<slug:slug>/", records.party_detail, name="party"),
    path("in-force/", in_force.in_force, name="in_force"),
    path("feeds/announcements/", feeds.LatestAnnouncementsFeed(), name="feed_announcements"),
    path("feeds/search/", feeds.SearchFeed(), name="feed_search"),
]
