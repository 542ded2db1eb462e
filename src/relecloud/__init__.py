"""Relecloud: the concert-ticketing call-center application from the Well-Architected seed."""

__version__ = "0.1.0"
