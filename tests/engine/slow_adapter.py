"""A slow adapter for the lost-worker test: the mean of the RGB frame, `delay` seconds a frame."""

import time

import numpy as np

from vmbench.adapters.base import Track


class SlowMean:
    name = "slow-mean"
    track = Track.NONE
    needs_weights = False
    weights_filename = None

    def __init__(self, delay: float = 0.3):
        self.delay = delay

    def load(self, weights, device):
        pass

    def predict(self, clip):
        for t in range(len(clip)):
            time.sleep(self.delay)
            yield clip.read_frame(t).mean(axis=2).astype(np.float32) / 255
