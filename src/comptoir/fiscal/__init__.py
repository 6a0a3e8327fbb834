"""The French fiscal journal (CGI art. 286 I-3° bis): inalterable, signed, chained records of
every sale and cash event per register, a technical events journal, closings and archives.

`journal.append_entry` is the one way in; nothing here is ever updated or deleted.
"""
