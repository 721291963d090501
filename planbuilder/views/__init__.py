"""Thin blueprints, one per area of the product."""
