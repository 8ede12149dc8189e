"""Round reports, the pure part: figures (survey.stats underneath) and SVG charts — no Flask, no database.

- :mod:`.figures` — :func:`~.figures.build_figures` turns one round's bulk-loaded arrays into the JSON-ready
  statistics of a report snapshot;
- :mod:`.weights` — the round's weights and design (nonresponse within strata, optional raking);
- :mod:`.composite` — composite indices of every domain with their covariances (for rank intervals);
- :mod:`.ranking` — simultaneous rank intervals;
- :mod:`.changes` — round-over-round changes with Benjamini–Hochberg control;
- :mod:`.charts` — bar and trend charts as plain SVG, and the heatmap's colour scale.
"""
