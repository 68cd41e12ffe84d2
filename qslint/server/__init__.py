"""``qslint server``: a Language Server Protocol server, for diagnostics in any editor.

The same rules, configuration (the nearest to each document), suppressions and severities
as ``qslint check``, over the text the editor holds: :mod:`.documents` lints, :mod:`.ranges`
turns findings' positions into the exact ranges of their nodes, :mod:`.fields` answers
hover and completion from the request model, :mod:`.debounce` spaces out the lints of a
burst of edits, and :mod:`.app` wires them to pygls (the optional ``server`` extra).
"""
