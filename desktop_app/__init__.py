"""Technician Queue: an SLA desk for IT-support teams."""

__all__ = ["__version__"]

__version__ = "0.1.0"
