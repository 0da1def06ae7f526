"""Import of records from CSV and XLSX files (issue 6, "Data in and out").

`reading` owns the file-reading core: encoding and delimiter detection, streaming rows with a
list of problems, guessing which column is which field, and parsing cell values. It knows
nothing about models or the database; the wizard and the import actions build on it.
"""
