"""tvec: intralesional T-VEC (talimogene laherparepvec) therapy from referral to outcomes.

tvec supports, and does not replace, clinical judgement.
"""

__version__ = "0.1.0"
