"""Sandbox handlers, one module per API folder, mirroring ``pendo_lab/resources``."""
