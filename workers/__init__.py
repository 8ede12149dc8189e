"""RQ job functions and the worker entry point (``python -m workers``).

Job functions take ids and JSON-friendly values, call one service, and let exceptions propagate
so RQ records and retries them. They run inside an app context (see :mod:`workers.appjob`).
"""
