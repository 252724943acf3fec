"""Model adapters: the interface every baseline implements (see `vmbench.adapters.base`)."""
