"""Everything about the article as text: pure functions, no model, no I/O."""
