"""Baselines that need no learned weights: classical matting and simple lower bounds."""
