"""World-level checks that run after assembly, over the whole model."""
