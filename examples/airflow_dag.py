"""An Airflow DAG for the monthly period report (copy it into your Airflow dags/ folder and edit the paths).

Needs `apache-airflow` with `apache-airflow-providers-papermill` on the Airflow workers, and salesplan
installed in the kernel the notebooks run in. With `schedule="@monthly"` the run that starts on
1 November has the logical date `ds` = 2026-10-01: the first day of the month that just ended, so the
period to report is `{{ ds[:7] }}` (2026-10).

Two tasks: `validate` stops the run with a clear message when the plan or the data is bad (and makes the
folder papermill writes into); then
`sales_overview` executes the template with papermill, keeping the executed notebook per period. For the
complete period report (offline HTML, metrics.json, index.html and the run-log line) use the
`period_report` task instead, which calls `salesplan run` for the same period.
"""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.papermill.operators.papermill import PapermillOperator

PLAN_HOME = "/srv/plan"  # the folder holding templates/ and workbooks/
WORKBOOK = f"{PLAN_HOME}/workbooks/acme"
PERIOD = "{{ ds[:7] }}"  # YYYY-MM of the logical date: the month that just ended

with DAG(
    dag_id="salesplan_period_report",
    description="Monthly sales report: plan vs actual for the month that just ended",
    schedule="@monthly",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["salesplan"],
) as dag:
    validate = BashOperator(
        task_id="validate",
        bash_command=f"salesplan validate {WORKBOOK} && mkdir -p {WORKBOOK}/reports/airflow",
    )

    sales_overview = PapermillOperator(
        task_id="sales_overview",
        input_nb=f"{PLAN_HOME}/templates/sales_overview.ipynb",
        output_nb=f"{WORKBOOK}/reports/airflow/sales_overview-{PERIOD}.ipynb",
        parameters={"workbook": WORKBOOK, "period": PERIOD, "locale": None},
        kernel_name="python3",
    )

    period_report = BashOperator(
        task_id="period_report",
        bash_command=f"salesplan run {WORKBOOK} --period {PERIOD}",
    )

    validate >> [sales_overview, period_report]
