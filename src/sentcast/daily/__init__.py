"""Daily forecasts: the job a user schedules (``sentcast daily CONFIG``), its embedded store,
its replay over history and its dashboard.

Modules: :mod:`~sentcast.daily.config` (one TOML file per job), :mod:`~sentcast.daily.store`
(the DuckDB file), :mod:`~sentcast.daily.collect` (market rows, posts, daily tables),
:mod:`~sentcast.daily.models` (model versions: train on schedule, load, calibrate),
:mod:`~sentcast.daily.forecasts` (forecast one day), :mod:`~sentcast.daily.scoring`
(outcomes and the running score), :mod:`~sentcast.daily.job` (the steps of one day),
:mod:`~sentcast.daily.replay` and :mod:`~sentcast.daily.dashboard`.
"""
