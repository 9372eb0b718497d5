"""Device classes: typed async operations and a state snapshot per class of courtroom device."""
