"""ASC X12 5010 claims: the 837P writer (`claim_837p`, hand-written segments in `segments`) and its
validation by pyx12 (`validate`, the only place pyx12 is imported)."""
