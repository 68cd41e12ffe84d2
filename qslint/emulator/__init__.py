"""A local QuickSight endpoint for snapshot jobs: ``qslint emulator``.

boto3 has no offline stand-in for the snapshot-job APIs, so qslint ships one: a threaded HTTP
server on 127.0.0.1 that speaks QuickSight's REST-JSON protocol, keeps the documented
contract (rate limit, concurrency limit, id reuse, bucket region, job life cycle) and
records every call it answers. ``routes`` derives the URLs from botocore's service model,
``service`` holds the contract, ``server`` speaks HTTP.
"""
