"""One source extracted by 4 workers with Airflow dynamic task mapping, then merged into one run.

Each mapped task instance runs one shard:

    moh-etl extract --sources attendances --mode full --shard <map_index>/4 --run-id <run id>

The first shard to start fixes the key ranges in data/raw/attendances/_shards/<run id>/_plan.json and
the others read them. A failed shard is retried on its own (`retries`), resuming from its checkpoint
when the worker sees the same state directory; `shards merge` runs once every shard has succeeded,
checks them (no gap, no overlap, counts, sha256) and publishes
data/raw/attendances/extract_date=<day>/<run id>/_manifest.json.

Every worker must see the same project directory (config/, data/, results/): a shared volume.
Airflow 2.4+ (dynamic task mapping with .partial().expand()).
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

SOURCE = "attendances"
SHARDS = 4
PROJECT = "/srv/moh-etl"
# Letters, digits, '.', '_' and '-' only: Airflow's own run_id holds ':' and '+'.
RUN_ID = SOURCE + "-{{ ts_nodash }}"

with DAG(
    dag_id="moh_etl_attendances_weekly_refresh",
    schedule="0 2 * * 0",
    start_date=datetime(2025, 1, 5),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2)},
    tags=["moh-etl"],
) as dag:
    extract = BashOperator.partial(
        task_id="extract_shard",
        cwd=PROJECT,
        # One mapped instance per shard; SHARD is its i/n. Only the failed instance is retried.
        bash_command=(
            f"moh-etl extract --sources {SOURCE} --mode full "
            f'--shard "$SHARD" --run-id "{RUN_ID}" --json'
        ),
        append_env=True,
        # A shard stopped by SIGTERM (task timeout, worker shutdown) commits its parts and exits 143.
        execution_timeout=timedelta(hours=6),
    ).expand(env=[{"SHARD": f"{i}/{SHARDS}"} for i in range(SHARDS)])

    merge = BashOperator(
        task_id="merge_shards",
        cwd=PROJECT,
        bash_command=f'moh-etl shards merge {SOURCE} --run "{RUN_ID}"',
    )

    extract >> merge
