"""The dashboard's maintained aggregates (issue 29 point 4): delta tables filled by triggers on
``records`` and ``tasks`` in the changing transaction, the counts they fold into, and the
existing rows as one first delta each group.

Revision ID: 0023
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0026"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNTED = "('approved', 'published', 'submitted')"  # access.scope.FINAL_STATES
NO_PROBLEM = "'未发现问题'"  # sync.Outcome.NO_PROBLEM
WATCHED = "state, superseded, published_on, plan_id, inspected_on, industry, region, risk_grade, outcome"
DELTA_COLUMNS = "plan_id, inspected_on, published_on, state, industry, region, risk_grade, problem, n"


def _values(row: str, n: int) -> str:
    return (f"{row}.plan_id, {row}.inspected_on, {row}.published_on, {row}.state, {row}.industry, "
            f"{row}.region, {row}.risk_grade, CASE WHEN {row}.outcome <> {NO_PROBLEM} THEN 1 ELSE 0 END, {n}")


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER zsc_records_agg_insert AFTER INSERT ON records
        WHEN NEW.superseded = 0 AND NEW.state IN {COUNTED}
        BEGIN INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("NEW", 1)}); END""",
    f"""CREATE TRIGGER zsc_records_agg_update_old AFTER UPDATE OF {WATCHED} ON records
        WHEN OLD.superseded = 0 AND OLD.state IN {COUNTED}
        BEGIN INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("OLD", -1)}); END""",
    f"""CREATE TRIGGER zsc_records_agg_update_new AFTER UPDATE OF {WATCHED} ON records
        WHEN NEW.superseded = 0 AND NEW.state IN {COUNTED}
        BEGIN INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("NEW", 1)}); END""",
    f"""CREATE TRIGGER zsc_records_agg_delete AFTER DELETE ON records
        WHEN OLD.superseded = 0 AND OLD.state IN {COUNTED}
        BEGIN INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("OLD", -1)}); END""",
    """CREATE TRIGGER zsc_tasks_agg_insert AFTER INSERT ON tasks
        BEGIN INSERT INTO task_deltas (plan_id, credit_code, n) VALUES (NEW.plan_id, NEW.credit_code, 1); END""",
    """CREATE TRIGGER zsc_tasks_agg_update AFTER UPDATE OF plan_id, credit_code ON tasks
        BEGIN INSERT INTO task_deltas (plan_id, credit_code, n)
              VALUES (OLD.plan_id, OLD.credit_code, -1), (NEW.plan_id, NEW.credit_code, 1); END""",
    """CREATE TRIGGER zsc_tasks_agg_delete AFTER DELETE ON tasks
        BEGIN INSERT INTO task_deltas (plan_id, credit_code, n) VALUES (OLD.plan_id, OLD.credit_code, -1); END""",
    """CREATE TRIGGER zsc_draws_agg_insert AFTER INSERT ON draws
        BEGIN INSERT INTO draw_deltas (plan_id) VALUES (NEW.plan_id); END""",
]

POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION zsc_records_agg() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF (OLD.state, OLD.superseded, OLD.published_on, OLD.plan_id, OLD.inspected_on, OLD.industry,
                OLD.region, OLD.risk_grade, OLD.outcome) IS NOT DISTINCT FROM
               (NEW.state, NEW.superseded, NEW.published_on, NEW.plan_id, NEW.inspected_on, NEW.industry,
                NEW.region, NEW.risk_grade, NEW.outcome) THEN
                RETURN NULL;
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF NOT OLD.superseded AND OLD.state IN {COUNTED} THEN
                INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("OLD", -1)});
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            IF NOT NEW.superseded AND NEW.state IN {COUNTED} THEN
                INSERT INTO aggregate_deltas ({DELTA_COLUMNS}) VALUES ({_values("NEW", 1)});
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER zsc_records_agg AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON records
        FOR EACH ROW EXECUTE FUNCTION zsc_records_agg()""",
    """CREATE FUNCTION zsc_tasks_agg() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO task_deltas (plan_id, credit_code, n) VALUES (OLD.plan_id, OLD.credit_code, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO task_deltas (plan_id, credit_code, n) VALUES (NEW.plan_id, NEW.credit_code, 1);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER zsc_tasks_agg AFTER INSERT OR DELETE OR UPDATE OF plan_id, credit_code ON tasks
        FOR EACH ROW EXECUTE FUNCTION zsc_tasks_agg()""",
    """CREATE FUNCTION zsc_draws_agg() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO draw_deltas (plan_id) VALUES (NEW.plan_id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER zsc_draws_agg AFTER INSERT ON draws FOR EACH ROW EXECUTE FUNCTION zsc_draws_agg()""",
]


def upgrade() -> None:
    op.create_table(
        "aggregate_deltas",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), nullable=True),
        sa.Column("inspected_on", sa.Date, nullable=True),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("industry", sa.String(100), nullable=True),
        sa.Column("region", sa.String(60), nullable=True),
        sa.Column("risk_grade", sa.String(1), nullable=True),
        sa.Column("problem", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "task_deltas",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "draw_deltas",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), nullable=False),
    )
    op.create_table(
        "dashboard_groups",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), nullable=True),
        sa.Column("inspected_on", sa.Date, nullable=True),
        sa.Column("dimension", sa.String(10), nullable=False),
        sa.Column("key", sa.String(100), nullable=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("problems", sa.Integer, nullable=False),
    )
    op.create_index("ix_dashboard_groups_scope", "dashboard_groups",
                    ["plan_id", "inspected_on", "dimension", "key", "n", "problems"])
    op.create_table(
        "dashboard_days",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), nullable=True),
        sa.Column("inspected_on", sa.Date, nullable=True),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_dashboard_days_scope", "dashboard_days",
                    ["plan_id", "inspected_on", "published_on", "state", "n"])
    op.create_table(
        "plan_states",
        sa.Column("plan_id", sa.String(60), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    )
    op.create_table(
        "plan_task_counts",
        sa.Column("plan_id", sa.String(60), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "yearly_visits",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_yearly_visits_top", "yearly_visits", ["year", "n", "credit_code"])
    # /results, newest first: read in order of publication instead of sorting every result.
    op.create_index("ix_records_published_at", "records", ["published_at"])
    op.create_index("ix_publications_status", "publications", ["status", "record_id"])
    # What is already there becomes deltas, grouped (the first dashboard view folds them).
    op.execute(f"""INSERT INTO aggregate_deltas ({DELTA_COLUMNS})
        SELECT plan_id, inspected_on, published_on, state, industry, region, risk_grade,
               CASE WHEN outcome <> {NO_PROBLEM} THEN 1 ELSE 0 END, count(*)
        FROM records WHERE superseded = false AND state IN {COUNTED}
        GROUP BY plan_id, inspected_on, published_on, state, industry, region, risk_grade,
                 CASE WHEN outcome <> {NO_PROBLEM} THEN 1 ELSE 0 END""")
    op.execute("""INSERT INTO task_deltas (plan_id, credit_code, n)
        SELECT plan_id, credit_code, count(*) FROM tasks GROUP BY plan_id, credit_code""")
    for statement in (POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER zsc_records_agg ON records")
        op.execute("DROP TRIGGER zsc_tasks_agg ON tasks")
        op.execute("DROP TRIGGER zsc_draws_agg ON draws")
        for function in ("zsc_records_agg", "zsc_tasks_agg", "zsc_draws_agg"):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name in ("records_agg_insert", "records_agg_update_old", "records_agg_update_new",
                     "records_agg_delete", "tasks_agg_insert", "tasks_agg_update", "tasks_agg_delete",
                     "draws_agg_insert"):
            op.execute(f"DROP TRIGGER zsc_{name}")
    op.drop_index("ix_records_published_at", "records")
    op.drop_index("ix_publications_status", "publications")
    for table in ("yearly_visits", "plan_task_counts", "plan_states", "dashboard_days",
                  "dashboard_groups", "draw_deltas", "task_deltas", "aggregate_deltas"):
        op.drop_table(table)
