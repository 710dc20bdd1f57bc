"""Curation in the admin: announcements with their clauses, parties and topics.

Publishing states change only through ``kb.workflow`` (actions on the change list
and the change form); every change form carries the version it was loaded at, so a
save that would overwrite a colleague's edit is refused and the input kept. The
site itself is ``kb.admin_site.KbAdminSite``, made the default by
``kb.apps.KbAdminConfig``; the modules below register the models on it.
"""

from kb.admin import announcements, clauses, vocabularies  # noqa: F401  (registrations)
