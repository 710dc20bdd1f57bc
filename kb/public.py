"""What the public may see besides published announcements and their clauses.

Topics and parties have no status of their own: one is public when a published
record uses it, so a name entered only for a draft (an unannounced partner) never
appears on a public page, in the API or in a form's choices.
"""

from django.db.models import Exists, OuterRef

from kb.models import Announcement, Clause, Party, Status, Topic


def public_topics():
    """Topics of at least one published clause; any other topic is not public."""
    return Topic.objects.filter(
        Exists(
            Clause.topics.through.objects.filter(
                topic_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
            )
        )
    )


def public_parties():
    """Parties named on a published announcement or clause; any other is not public
    (a party entered only for a draft must not leak)."""
    return Party.objects.filter(
        Exists(
            Announcement.parties.through.objects.filter(
                party_id=OuterRef("pk"), announcement__status=Status.PUBLISHED
            )
        )
        | Exists(
            Clause.parties.through.objects.filter(
                party_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
            )
        )
    )
