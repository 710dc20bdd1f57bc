"""The choices records take, each backed by a check constraint."""

from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class AnnouncementKind(models.TextChoices):
    JOINT_STATEMENT = "joint_statement", "Joint statement"
    PRESS_RELEASE = "press_release", "Press release"
    BLOG_POST = "blog_post", "Blog post"
    AGREEMENT = "agreement", "Agreement"
    MOU = "mou", "Memorandum of understanding"
    FILING = "filing", "Filing"
    OTHER = "other", "Other"


class ClauseEffect(models.TextChoices):
    NEW = "new", "New"
    REAFFIRMED = "reaffirmed", "Reaffirmed"
    AMENDED = "amended", "Amended"
    REMOVED = "removed", "Removed"


def choices_constraint(field: str, choices: type[models.TextChoices], name: str):
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
