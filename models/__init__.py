"""The shipped paragraph model (installed as ``detector.models``)."""
