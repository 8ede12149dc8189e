"""Use cases. The only layer that commits; it enqueues jobs after its commit."""
