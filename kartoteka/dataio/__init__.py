"""Data in and out: the import wizard and its worker, exports through the API, backup and
restore. Reading files (CSV/XLSX, encodings, value parsers) is `kartoteka.imports.reading`."""
