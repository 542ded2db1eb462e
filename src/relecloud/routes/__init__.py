"""Routers: server-rendered pages for staff and the JSON API under /api."""
