"""Design-based estimation (pure: NumPy and SciPy only). See DOMAIN.md, "Measures" and "Estimation".

- :mod:`.design` — the stratified design, means, totals, proportions, domains (``Design``, ``Estimate``);
- :mod:`.intervals` — the four proportion intervals;
- :mod:`.weighting` — nonresponse adjustment, post-stratification, raking, Kish's deff;
- :mod:`.compare` — round-over-round differences, BH/Holm, Rao–Scott;
- :mod:`.satisfaction` — indicator scores, satisfaction rates, the composite index;
- :mod:`.aapor` — response, cooperation, refusal and contact rates.
"""

from .aapor import CODES as AAPOR_CODES
from .aapor import RATES as AAPOR_RATES
from .aapor import aapor_rates, estimate_e
from .compare import Difference, RaoScott, adjust_pvalues, difference, rao_scott
from .design import CI_METHODS, Design, Estimate
from .satisfaction import composite_index, indicator_scores, satisfaction_rates
from .weighting import adjust_nonresponse, kish_deff, poststratify, rake

__all__ = [
    "AAPOR_CODES", "AAPOR_RATES", "CI_METHODS", "Design", "Difference", "Estimate", "RaoScott", "aapor_rates",
    "adjust_nonresponse", "adjust_pvalues", "composite_index", "difference", "estimate_e", "indicator_scores",
    "kish_deff", "poststratify", "rake", "rao_scott", "satisfaction_rates",
]
