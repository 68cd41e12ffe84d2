"""qslint's built-in rules, one module per family.

Each module is registered in the ``qslint.rules`` entry-point group exactly as a third-party
rule package would register its own (see ``pyproject.toml``).
"""
