"""Leads, deals, pipelines and stages, products and line items, currencies, capture forms."""
