"""The deploy half: ``qslint plan``, ``qslint apply`` and ``qslint estimate``.

definitions -> lint gate -> plan (what changed, via git; the deployment's job ids) ->
scheduler (<= 10 calls in any second, <= 12 running per account) -> each job's life cycle
(started or found, ambiguous starts resolved, retries) -> boto3 -> summary and report.

``plan`` decides which jobs run, ``changes`` reads the definitions at a git ref,
``identity`` derives the job ids from the definitions and the run key, ``journal`` is the
fast path of a re-run, ``scheduler`` runs the jobs within the limits, ``lifecycle`` takes
one job through the service, ``outcome`` is what a run knows of each job, ``submit`` talks
to boto3 (imported there only, on first use), ``summary`` prints progress and results.
"""
