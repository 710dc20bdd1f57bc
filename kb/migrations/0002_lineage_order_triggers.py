"""A clause cannot supersede a clause of a later announcement.

The rule spans two tables, so a CHECK constraint cannot express it: triggers on
both sides (a clause's link, an announcement's date) enforce it in the database.
Dates are compared only when both are known.
"""

from django.db import migrations

MESSAGE = "clause_supersedes_later: a clause cannot supersede a clause of a later announcement"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER kb_clause_supersedes_earlier_{event.lower()}
    BEFORE {event} ON kb_clause
    WHEN NEW.supersedes_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}')
        WHERE (
            SELECT earlier.date FROM kb_clause c
            JOIN kb_announcement earlier ON earlier.id = c.announcement_id
            WHERE c.id = NEW.supersedes_id
        ) > (SELECT date FROM kb_announcement WHERE id = NEW.announcement_id);
    END
    """
    for event in ("INSERT", "UPDATE")
] + [
    f"""
    CREATE TRIGGER kb_announcement_date_keeps_lineage_order
    BEFORE UPDATE OF date ON kb_announcement
    WHEN NEW.date IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}')
        WHERE EXISTS (
            SELECT 1 FROM kb_clause later
            JOIN kb_clause earlier ON earlier.id = later.supersedes_id
            JOIN kb_announcement ea ON ea.id = earlier.announcement_id
            WHERE later.announcement_id = NEW.id AND ea.id <> NEW.id AND ea.date > NEW.date
        ) OR EXISTS (
            SELECT 1 FROM kb_clause earlier
            JOIN kb_clause later ON later.supersedes_id = earlier.id
            JOIN kb_announcement la ON la.id = later.announcement_id
            WHERE earlier.announcement_id = NEW.id AND la.id <> NEW.id AND la.date < NEW.date
        );
    END
    """
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_clause_supersedes_earlier_insert",
    "DROP TRIGGER IF EXISTS kb_clause_supersedes_earlier_update",
    "DROP TRIGGER IF EXISTS kb_announcement_date_keeps_lineage_order",
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION kb_clause_supersedes_earlier() RETURNS trigger AS $$
    BEGIN
        IF NEW.supersedes_id IS NOT NULL AND (
            SELECT earlier.date FROM kb_clause c
            JOIN kb_announcement earlier ON earlier.id = c.announcement_id
            WHERE c.id = NEW.supersedes_id
        ) > (SELECT date FROM kb_announcement WHERE id = NEW.announcement_id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER kb_clause_supersedes_earlier
    BEFORE INSERT OR UPDATE ON kb_clause
    FOR EACH ROW EXECUTE FUNCTION kb_clause_supersedes_earlier()
    """,
    f"""
    CREATE FUNCTION kb_announcement_date_keeps_lineage_order() RETURNS trigger AS $$
    BEGIN
        IF NEW.date IS NOT NULL AND (
            EXISTS (
                SELECT 1 FROM kb_clause later
                JOIN kb_clause earlier ON earlier.id = later.supersedes_id
                JOIN kb_announcement ea ON ea.id = earlier.announcement_id
                WHERE later.announcement_id = NEW.id AND ea.id <> NEW.id AND ea.date > NEW.date
            ) OR EXISTS (
                SELECT 1 FROM kb_clause earlier
                JOIN kb_clause later ON later.supersedes_id = earlier.id
                JOIN kb_announcement la ON la.id = later.announcement_id
                WHERE earlier.announcement_id = NEW.id AND la.id <> NEW.id AND la.date < NEW.date
            )
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER kb_announcement_date_keeps_lineage_order
    BEFORE UPDATE OF date ON kb_announcement
    FOR EACH ROW EXECUTE FUNCTION kb_announcement_date_keeps_lineage_order()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_clause_supersedes_earlier ON kb_clause",
    "DROP FUNCTION IF EXISTS kb_clause_supersedes_earlier()",
    "DROP TRIGGER IF EXISTS kb_announcement_date_keeps_lineage_order ON kb_announcement",
    "DROP FUNCTION IF EXISTS kb_announcement_date_keeps_lineage_order()",
]


def run_for_vendor(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run_for_vendor({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
