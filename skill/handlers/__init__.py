"""Request and exception handlers: each a predicate and one call into a feature module."""
