"""Small widgets the panels share: validated fields, forms built from core's specs, banners."""
