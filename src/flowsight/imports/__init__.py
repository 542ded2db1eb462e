"""Importers: bootstrap a workload model from documents other tools already have."""
