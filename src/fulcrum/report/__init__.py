"""The decision report (``fulcrum report``) and the live dashboard (``/ui``)."""
