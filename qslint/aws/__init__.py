"""AWS access shared by ``apply`` and ``dashboards``: the client, error mapping, rate limiter.

It knows nothing of either feature. boto3 and botocore are imported inside functions only,
so that importing this package costs nothing to ``qslint check``.
"""
