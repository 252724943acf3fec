"""vmbench: exact, fast evaluation and benchmarking for video matting."""

__version__ = "0.1.0"
__all__ = ["__version__"]
