"""Adapters to outside formats. Each subpackage is the only place its outside library is imported:
`gs1` (carton barcodes; biip)."""
