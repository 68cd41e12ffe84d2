"""The deploy half: ``qslint plan``, ``qslint apply`` and ``qslint estimate``.

definitions -> lint gate -> plan (what changed, via git) -> scheduler (<= 10 calls/s,
<= 12 running per account, retries) -> boto3 -> summary and report.

``plan`` decides which jobs run, ``changes`` reads the definitions at a git ref, ``journal``
makes a run resumable, ``scheduler`` submits within the limits, ``submit`` talks to boto3
(imported there only, on first use), ``summary`` prints progress and results.
"""
