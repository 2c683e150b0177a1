"""GS1 carton barcodes: the only package of tvec that imports `biip`."""

from tvec.interop.gs1.carton import normalise_scan, read_carton

__all__ = ["normalise_scan", "read_carton"]
