"""Fan-out: a template × rows -> one job document per row, every position kept.

:mod:`~qslint.fanout.rows` reads the rows (CSV, YAML, JSON, or inline) with the position of
each cell, :mod:`~qslint.fanout.expansion` fills the template once per row, and
:mod:`~qslint.fanout.merging` makes a finding found in many rows one finding. Each is imported
by its own name: the engine needs the merging only, and not the loader the others import.
"""
