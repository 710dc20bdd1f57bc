"""The full-text index of published clauses, kept in sync by triggers.

One document per clause of a published announcement, in three weighted parts:
the heading, the text, and a context of the announcement's title and summary, the
names (with short names and aliases) of its parties and the clause's, and the
clause's topics. The view ``kb_search_view`` defines it once; triggers on every
table it reads (clauses, announcements, parties, topics and the three link tables)
recompute the affected documents, so the admin, importers, bulk inserts and raw
SQL all keep it current. Drafts are never in it.

SQLite: the view feeds ``kb_search_source`` (a plain table, the exact text that was
indexed), which an external-content FTS5 table ``kb_search_document`` indexes
through its own triggers. PostgreSQL: ``kb_search_document`` holds a weighted
``tsvector`` under a GIN index, in a text search configuration that also folds
accents when the ``unaccent`` extension can be installed.

The highlight markers (control characters 2 and 3) are removed from indexed text
so a record can never forge a highlight.
"""

from django.db import DatabaseError, migrations, models, transaction


class SearchDocumentField(models.Field):
    """The indexed document: FTS5's hidden table column, or PostgreSQL's tsvector.
    (Defined here since migration 0013 moved search out of the database.)"""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else None

# The set of clauses to recompute, as the body of "clause_id IN (...)", per trigger.
AFFECTED = {
    "clause": "NEW.id",
    "announcement": "SELECT id FROM kb_clause WHERE announcement_id = NEW.id",
    "party": (
        "SELECT clause_id FROM kb_clause_parties WHERE party_id = NEW.id "
        "UNION SELECT c.id FROM kb_clause c JOIN kb_announcement_parties ap "
        "ON ap.announcement_id = c.announcement_id WHERE ap.party_id = NEW.id"
    ),
    "topic": "SELECT clause_id FROM kb_clause_topics WHERE topic_id = NEW.id",
    "clause_link_new": "NEW.clause_id",
    "clause_link_old": "OLD.clause_id",
    "announcement_link_new": "SELECT id FROM kb_clause WHERE announcement_id = NEW.announcement_id",
    "announcement_link_old": "SELECT id FROM kb_clause WHERE announcement_id = OLD.announcement_id",
}

# (table, columns whose change matters, affected clauses) for AFTER UPDATE triggers.
UPDATES = [
    ("kb_clause", ("heading", "text", "announcement_id"), AFFECTED["clause"]),
    ("kb_announcement", ("title", "summary", "status"), AFFECTED["announcement"]),
    ("kb_party", ("name", "short_name", "aliases"), AFFECTED["party"]),
    ("kb_topic", ("name",), AFFECTED["topic"]),
]
LINK_TABLES = {
    "kb_clause_topics": ("clause_link_new", "clause_link_old"),
    "kb_clause_parties": ("clause_link_new", "clause_link_old"),
    "kb_announcement_parties": ("announcement_link_new", "announcement_link_old"),
}


def _changed(columns):
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)


# ---------------------------------------------------------------------- SQLite

SQLITE_CONTEXT_PARTIES = """coalesce((
    SELECT group_concat(p.name || ' ' || p.short_name || ' ' || p.aliases, ' ')
    FROM kb_party p WHERE p.id IN (
        SELECT party_id FROM kb_clause_parties WHERE clause_id = c.id
        UNION SELECT party_id FROM kb_announcement_parties WHERE announcement_id = a.id)
), '')"""
SQLITE_CONTEXT_TOPICS = """coalesce((
    SELECT group_concat(t.name, ' ') FROM kb_topic t
    JOIN kb_clause_topics ct ON ct.topic_id = t.id WHERE ct.clause_id = c.id
), '')"""


def _sqlite_clean(expression):
    return f"replace(replace({expression}, char(2), ' '), char(3), ' ')"


SQLITE_FORWARD = [
    f"""
    CREATE VIEW kb_search_view AS
    SELECT c.id AS clause_id,
        {_sqlite_clean("c.heading")} AS heading,
        {_sqlite_clean("c.text")} AS body,
        {_sqlite_clean(
            f"a.title || ' ' || a.summary || ' ' || {SQLITE_CONTEXT_PARTIES}"
            f" || ' ' || {SQLITE_CONTEXT_TOPICS}"
        )} AS context
    FROM kb_clause c JOIN kb_announcement a ON a.id = c.announcement_id
    WHERE a.status = 'published'
    """,
    """
    CREATE TABLE kb_search_source (
        clause_id INTEGER PRIMARY KEY,
        heading TEXT NOT NULL,
        body TEXT NOT NULL,
        context TEXT NOT NULL
    )
    """,
    """
    CREATE VIRTUAL TABLE kb_search_document USING fts5(
        heading, body, context,
        content='kb_search_source', content_rowid='clause_id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    # The rank column of kb_search_document is bm25 with the column weights
    # heading 4.0, body 1.0, context 0.3.
    "INSERT INTO kb_search_document(kb_search_document, rank) VALUES ('rank', 'bm25(4.0, 1.0, 0.3)')",
    """
    CREATE TRIGGER kb_search_source_insert AFTER INSERT ON kb_search_source BEGIN
        INSERT INTO kb_search_document(rowid, heading, body, context)
        VALUES (NEW.clause_id, NEW.heading, NEW.body, NEW.context);
    END
    """,
    """
    CREATE TRIGGER kb_search_source_delete AFTER DELETE ON kb_search_source BEGIN
        INSERT INTO kb_search_document(kb_search_document, rowid, heading, body, context)
        VALUES ('delete', OLD.clause_id, OLD.heading, OLD.body, OLD.context);
    END
    """,
    """
    CREATE TRIGGER kb_search_source_update AFTER UPDATE ON kb_search_source BEGIN
        INSERT INTO kb_search_document(kb_search_document, rowid, heading, body, context)
        VALUES ('delete', OLD.clause_id, OLD.heading, OLD.body, OLD.context);
        INSERT INTO kb_search_document(rowid, heading, body, context)
        VALUES (NEW.clause_id, NEW.heading, NEW.body, NEW.context);
    END
    """,
]


def _sqlite_refresh(affected):
    return f"""
        DELETE FROM kb_search_source WHERE clause_id IN ({affected});
        INSERT INTO kb_search_source(clause_id, heading, body, context)
        SELECT clause_id, heading, body, context FROM kb_search_view
        WHERE clause_id IN ({affected});
    """


SQLITE_FORWARD += [
    f"""
    CREATE TRIGGER kb_search_clause_insert AFTER INSERT ON kb_clause BEGIN
        {_sqlite_refresh(AFFECTED["clause"])}
    END
    """,
    """
    CREATE TRIGGER kb_search_clause_delete AFTER DELETE ON kb_clause BEGIN
        DELETE FROM kb_search_source WHERE clause_id = OLD.id;
    END
    """,
]
SQLITE_FORWARD += [
    f"""
    CREATE TRIGGER kb_search_{table.removeprefix("kb_")}_update
    AFTER UPDATE OF {", ".join(columns)} ON {table}
    WHEN {_changed(columns).replace("IS DISTINCT FROM", "IS NOT")}
    BEGIN
        {_sqlite_refresh(affected)}
    END
    """
    for table, columns, affected in UPDATES
]
for table, (new, old) in LINK_TABLES.items():
    name = table.removeprefix("kb_")
    SQLITE_FORWARD += [
        f"""
        CREATE TRIGGER kb_search_{name}_insert AFTER INSERT ON {table} BEGIN
            {_sqlite_refresh(AFFECTED[new])}
        END
        """,
        f"""
        CREATE TRIGGER kb_search_{name}_delete AFTER DELETE ON {table} BEGIN
            {_sqlite_refresh(AFFECTED[old])}
        END
        """,
        f"""
        CREATE TRIGGER kb_search_{name}_update AFTER UPDATE ON {table} BEGIN
            {_sqlite_refresh(AFFECTED[old])}
            {_sqlite_refresh(AFFECTED[new])}
        END
        """,
    ]
SQLITE_FORWARD += [
    # Index what is already there.
    "INSERT INTO kb_search_source(clause_id, heading, body, context) "
    "SELECT clause_id, heading, body, context FROM kb_search_view",
]

SQLITE_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS kb_search_{name}"
        for name in (
            "clause_insert",
            "clause_delete",
            *(f"{table.removeprefix('kb_')}_update" for table, _, _ in UPDATES),
            *(
                f"{table.removeprefix('kb_')}_{event}"
                for table in LINK_TABLES
                for event in ("insert", "delete", "update")
            ),
        )
    ),
    "DROP TABLE IF EXISTS kb_search_document",
    "DROP TABLE IF EXISTS kb_search_source",
    "DROP VIEW IF EXISTS kb_search_view",
]

# ------------------------------------------------------------------ PostgreSQL

POSTGRES_CONTEXT_PARTIES = """coalesce((
    SELECT string_agg(p.name || ' ' || p.short_name || ' ' || p.aliases, ' ')
    FROM kb_party p WHERE p.id IN (
        SELECT party_id FROM kb_clause_parties WHERE clause_id = c.id
        UNION SELECT party_id FROM kb_announcement_parties WHERE announcement_id = a.id)
), '')"""
POSTGRES_CONTEXT_TOPICS = """coalesce((
    SELECT string_agg(t.name, ' ') FROM kb_topic t
    JOIN kb_clause_topics ct ON ct.topic_id = t.id WHERE ct.clause_id = c.id
), '')"""


def _postgres_vector(expression, weight):
    return (
        f"setweight(to_tsvector('kb_english', "
        f"translate({expression}, chr(2) || chr(3), '  ')), '{weight}')"
    )


POSTGRES_FORWARD = [
    f"""
    CREATE VIEW kb_search_view AS
    SELECT c.id AS rowid,
        {_postgres_vector("c.heading", "A")}
        || {_postgres_vector("c.text", "B")}
        || {_postgres_vector(
            f"a.title || ' ' || a.summary || ' ' || {POSTGRES_CONTEXT_PARTIES}"
            f" || ' ' || {POSTGRES_CONTEXT_TOPICS}",
            "C",
        )} AS kb_search_document
    FROM kb_clause c JOIN kb_announcement a ON a.id = c.announcement_id
    WHERE a.status = 'published'
    """,
    """
    CREATE TABLE kb_search_document (
        rowid bigint PRIMARY KEY,
        kb_search_document tsvector NOT NULL
    )
    """,
    "CREATE INDEX kb_search_document_gin ON kb_search_document USING gin (kb_search_document)",
    """
    CREATE FUNCTION kb_search_refresh(affected bigint[]) RETURNS void AS $$
    BEGIN
        DELETE FROM kb_search_document WHERE rowid = ANY(affected);
        INSERT INTO kb_search_document(rowid, kb_search_document)
        SELECT rowid, kb_search_document FROM kb_search_view WHERE rowid = ANY(affected);
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION kb_search_clause_delete() RETURNS trigger AS $$
    BEGIN
        DELETE FROM kb_search_document WHERE rowid = OLD.id;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER kb_search_clause_delete AFTER DELETE ON kb_clause
    FOR EACH ROW EXECUTE FUNCTION kb_search_clause_delete()
    """,
    """
    CREATE FUNCTION kb_search_clause_insert() RETURNS trigger AS $$
    BEGIN
        PERFORM kb_search_refresh(ARRAY[NEW.id]);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER kb_search_clause_insert AFTER INSERT ON kb_clause
    FOR EACH ROW EXECUTE FUNCTION kb_search_clause_insert()
    """,
]


def _postgres_affected(affected):
    if affected.startswith("SELECT"):
        return f"ARRAY({affected})"
    return f"ARRAY[{affected}]"


for table, columns, affected in UPDATES:
    name = table.removeprefix("kb_")
    refresh = f"PERFORM kb_search_refresh({_postgres_affected(affected)});"
    POSTGRES_FORWARD += [
        f"""
        CREATE FUNCTION kb_search_{name}_update() RETURNS trigger AS $$
        BEGIN
            {refresh}
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER kb_search_{name}_update
        AFTER UPDATE OF {", ".join(columns)} ON {table}
        FOR EACH ROW WHEN ({_changed(columns)})
        EXECUTE FUNCTION kb_search_{name}_update()
        """,
    ]
for table, (new, old) in LINK_TABLES.items():
    name = table.removeprefix("kb_")
    POSTGRES_FORWARD += [
        f"""
        CREATE FUNCTION kb_search_{name}_change() RETURNS trigger AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                PERFORM kb_search_refresh({_postgres_affected(AFFECTED[old])});
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM kb_search_refresh({_postgres_affected(AFFECTED[new])});
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER kb_search_{name}_change AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION kb_search_{name}_change()
        """,
    ]
POSTGRES_FORWARD += [
    "INSERT INTO kb_search_document SELECT rowid, kb_search_document FROM kb_search_view",
]

POSTGRES_REVERSE = [
    "DROP TABLE IF EXISTS kb_search_document",
    *(
        f"DROP FUNCTION IF EXISTS kb_search_{name}() CASCADE"
        for name in (
            "clause_insert",
            "clause_delete",
            *(f"{table.removeprefix('kb_')}_update" for table, _, _ in UPDATES),
            *(f"{table.removeprefix('kb_')}_change" for table in LINK_TABLES),
        )
    ),
    "DROP FUNCTION IF EXISTS kb_search_refresh(bigint[])",
    "DROP VIEW IF EXISTS kb_search_view",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS kb_english",
]


def create_postgres_text_search_configuration(schema_editor):
    """kb_english: English stemming, with accents folded when unaccent is available
    (installing an extension needs a privileged role; without it, accents stay)."""
    schema_editor.execute("CREATE TEXT SEARCH CONFIGURATION kb_english (COPY = english)")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError:
        return
    schema_editor.execute(
        "ALTER TEXT SEARCH CONFIGURATION kb_english "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        create_postgres_text_search_configuration(schema_editor)
        statements = POSTGRES_FORWARD
    else:
        statements = SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("kb", "0004_editorial_groups")]

    operations = [
        migrations.RunPython(forward, reverse),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "clause",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="kb.clause",
                    ),
                ),
                (
                    "document",
                    SearchDocumentField(
                        db_column="kb_search_document", editable=False
                    ),
                ),
            ],
            options={"db_table": "kb_search_document", "managed": False},
        ),
    ]
