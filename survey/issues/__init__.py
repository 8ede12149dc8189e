"""Complaints (pure): text normalisation and segmentation, keyword routing, near-duplicate clusters, deadlines."""
