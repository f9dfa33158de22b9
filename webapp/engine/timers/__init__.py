"""Time handling for timer events."""
