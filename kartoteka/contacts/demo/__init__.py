"""Demo data: a believable small business — its staff, clients and their history — in
English, Russian or Polish, for `kartoteka demo`.

`en.py`, `ru.py` and `pl.py` hold every word of the demo in their language; `generator.py`
turns a language and a seed into a plan of plain data; `loader.py` writes the plan through
the platform services.
"""
